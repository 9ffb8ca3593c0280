using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Tests.Shared.Builders;

namespace Npa.Tests.Shared.Oracle;

/// <summary>
/// Random allow rules and peers over a few overlapping base prefixes (v4 and v6), for the LPM compiler's
/// property tests and the kernel oracle that checks the programmed maps against the same rules.
/// </summary>
public static class RandomRules
{
    private static readonly string[] Bases = ["10.0.0.0", "10.1.0.0", "10.1.2.0", "192.168.0.0", "10.1.2.128"];
    private static readonly string[] Bases6 = ["fd00::", "fd00:0:0:1::", "fd00:0:0:1:8000::"];

    /// <summary>An allow rule near the base prefixes: a CIDR, up to two holes in it, and one of the port shapes.</summary>
    public static AllowRule Rule(Random random, int index, bool v6)
    {
        IpPrefix cidr = RandomPrefix(random, v6);
        List<string> excepts = new();
        for (int e = random.Next(3); e > 0; e--)
        {
            int len = Math.Min(cidr.MaxLength, cidr.Length + random.Next(1, 10));
            IPAddress inside = RandomAddressIn(random, cidr);
            excepts.Add(new IpPrefix(inside, len).ToString());
        }

        L4Match ports = random.Next(6) switch
        {
            0 => L4Match.Any,
            1 => L4Match.AllPorts(Protocol.Tcp),
            2 => new L4Match(Protocol.Udp, Port(random) / 2, 32768 + (Port(random) / 2)),
            3 => L4Match.Single(Protocol.Sctp, Port(random)),
            _ => L4Match.Single(random.Next(2) == 0 ? Protocol.Tcp : Protocol.Udp, Port(random)),
        };
        return PodPolicies.Allow(cidr.ToString(), ports, index, $"p{index % 3}", excepts.ToArray());
    }

    /// <summary>Mostly 80-87 (so rules and probes meet), sometimes any port.</summary>
    public static int Port(Random random) => random.Next(8) == 0 ? random.Next(65536) : 80 + random.Next(8);

    private static IpPrefix RandomPrefix(Random random, bool v6)
    {
        IPAddress b = IPAddress.Parse(v6 ? Bases6[random.Next(Bases6.Length)] : Bases[random.Next(Bases.Length)]);
        int len = v6 ? random.Next(40, 129) : random.Next(8, 33);
        return new IpPrefix(RandomAddressNear(random, b, v6), len);
    }

    /// <summary>An address near the same bases, so it falls inside and outside the rules' prefixes and holes.</summary>
    public static IPAddress Peer(Random random, bool v6)
    {
        IPAddress b = IPAddress.Parse(v6 ? Bases6[random.Next(Bases6.Length)] : Bases[random.Next(Bases.Length)]);
        return RandomAddressNear(random, b, v6);
    }

    private static IPAddress RandomAddressNear(Random random, IPAddress b, bool v6)
    {
        byte[] bytes = b.GetAddressBytes();
        int vary = v6 ? 10 : 2; // vary the low bytes only, so prefixes overlap a lot
        for (int i = bytes.Length - vary; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(random.Next(4) == 0 ? random.Next(256) : random.Next(4));
        }

        return new IPAddress(bytes);
    }

    private static IPAddress RandomAddressIn(Random random, IpPrefix prefix)
    {
        byte[] bytes = prefix.Address.GetAddressBytes();
        for (int bit = prefix.Length; bit < bytes.Length * 8; bit++)
        {
            if (random.Next(2) == 1)
            {
                bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
            }
        }

        return new IPAddress(bytes);
    }
}
