using System.Buffers.Binary;
using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Enforcer.Maps;

/// <summary>Pure encoders between <see cref="LpmPodState"/> keys and the native map keys (adds the pod id).</summary>
internal static unsafe class KeyCodec
{
    public const uint PodIdBits = 32;
    public const uint PortKeyAnyPrefix = 72;   // pod_id + set_id + protocol
    public const uint PortKeyPortPrefix = 80;  // ... + pad: port bits follow

    public static NpaLpm4Key Peer4(uint podId, IpPrefix prefix)
    {
        NpaLpm4Key key = new() { PrefixLen = PodIdBits + (uint)prefix.Length, PodId = podId };
        byte[] addr = prefix.Address.GetAddressBytes();
        for (int i = 0; i < 4; i++)
        {
            key.Addr[i] = addr[i];
        }

        return key;
    }

    public static NpaLpm6Key Peer6(uint podId, IpPrefix prefix)
    {
        NpaLpm6Key key = new() { PrefixLen = PodIdBits + (uint)prefix.Length, PodId = podId };
        byte[] addr = prefix.Address.GetAddressBytes();
        for (int i = 0; i < 16; i++)
        {
            key.Addr[i] = addr[i];
        }

        return key;
    }

    public static IpPrefix Prefix(in NpaLpm4Key key)
    {
        byte[] addr = new byte[4];
        for (int i = 0; i < 4; i++)
        {
            addr[i] = key.Addr[i];
        }

        return new IpPrefix(new IPAddress(addr), (int)(key.PrefixLen - PodIdBits));
    }

    public static IpPrefix Prefix(in NpaLpm6Key key)
    {
        byte[] addr = new byte[16];
        for (int i = 0; i < 16; i++)
        {
            addr[i] = key.Addr[i];
        }

        return new IpPrefix(new IPAddress(addr), (int)(key.PrefixLen - PodIdBits));
    }

    public static NpaPortKey Port(uint podId, LpmPortKey key) => new()
    {
        PrefixLen = key.Protocol == 0 ? PortKeyAnyPrefix : PortKeyPortPrefix + key.PortBits,
        PodId = podId,
        SetId = key.SetId,
        Protocol = key.Protocol,
        Pad = 0,
        PortBigEndian = key.Protocol == 0 ? (ushort)0 : BinaryPrimitives.ReverseEndianness(key.Port),
    };

    public static LpmPortKey Port(Direction direction, in NpaPortKey key) => new(
        direction,
        key.SetId,
        key.Protocol,
        key.Protocol == 0 ? (ushort)0 : BinaryPrimitives.ReverseEndianness(key.PortBigEndian),
        key.Protocol == 0 ? (byte)0 : (byte)(key.PrefixLen - PortKeyPortPrefix));

    public static IPAddress Address(byte* bytes, byte family)
    {
        int len = family == 6 ? 16 : 4;
        return new IPAddress(new ReadOnlySpan<byte>(bytes, len));
    }
}
