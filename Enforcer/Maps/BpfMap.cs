using System.Runtime.CompilerServices;
using Npa.Enforcer.Native;

namespace Npa.Enforcer.Maps;

/// <summary>
/// A typed view of one BPF map through its fd. Keys and values are blittable mirrors of the C structs.
/// Not thread-safe by itself; the enforcer serialises writes.
/// </summary>
internal sealed unsafe class BpfMap<TKey, TValue> : IDisposable
    where TKey : unmanaged
    where TValue : unmanaged
{
    private const int ENOENT = 2;

    public BpfMap(BpfFd fd, string name)
    {
        Fd = fd;
        Name = name;
    }

    public BpfFd Fd { get; }

    public string Name { get; }

    public void Update(in TKey key, in TValue value, ulong flags = LibBpf.BPF_ANY)
    {
        TKey k = key;
        TValue v = value;
        int r = LibBpf.bpf_map_update_elem(Fd.Fd, &k, &v, flags);
        if (r < 0)
        {
            throw new BpfException($"update of map {Name}", -r);
        }
    }

    public bool TryLookup(in TKey key, out TValue value)
    {
        TKey k = key;
        TValue v = default;
        int r = LibBpf.bpf_map_lookup_elem(Fd.Fd, &k, &v);
        value = v;
        if (r == -ENOENT)
        {
            return false;
        }

        return r >= 0 ? true : throw new BpfException($"lookup in map {Name}", -r);
    }

    /// <summary>Deletes the key; false when it was not there.</summary>
    public bool Delete(in TKey key)
    {
        TKey k = key;
        int r = LibBpf.bpf_map_delete_elem(Fd.Fd, &k);
        if (r == -ENOENT)
        {
            return false;
        }

        return r >= 0 ? true : throw new BpfException($"delete from map {Name}", -r);
    }

    /// <summary>Every key, read with get_next_key (a snapshot only when nobody writes meanwhile).</summary>
    public List<TKey> Keys()
    {
        List<TKey> keys = new();
        TKey current = default;
        TKey next = default;
        bool first = true;
        while (true)
        {
            int r = first
                ? LibBpf.bpf_map_get_next_key(Fd.Fd, null, &next)
                : LibBpf.bpf_map_get_next_key(Fd.Fd, &current, &next);
            if (r == -ENOENT)
            {
                return keys;
            }

            if (r < 0)
            {
                throw new BpfException($"iteration of map {Name}", -r);
            }

            keys.Add(next);
            current = next;
            first = false;
        }
    }

    /// <summary>
    /// Every entry, read in chunks with BPF_MAP_LOOKUP_BATCH (hash maps); falls back to one lookup per
    /// key where the kernel or map type does not support batches.
    /// </summary>
    public List<KeyValuePair<TKey, TValue>> EntriesBatched(int chunk = 4096)
    {
        List<KeyValuePair<TKey, TValue>> entries = new();
        TKey[] keys = new TKey[chunk];
        TValue[] values = new TValue[chunk];
        ulong inToken = 0, outToken = 0; // hash maps use a u32 bucket cursor
        bool first = true;
        fixed (TKey* k = keys)
        fixed (TValue* v = values)
        {
            while (true)
            {
                uint count = (uint)chunk;
                int r = LibBpf.bpf_map_lookup_batch(Fd.Fd, first ? null : &inToken, &outToken, k, v, &count, 0);
                if (r < 0 && r != -ENOENT)
                {
                    return r == -28 /* ENOSPC: a bucket larger than the chunk */ && chunk < 1 << 20
                        ? EntriesBatched(chunk * 4)
                        : Entries();
                }

                for (int i = 0; i < count; i++)
                {
                    entries.Add(new(keys[i], values[i]));
                }

                if (r == -ENOENT)
                {
                    return entries;
                }

                inToken = outToken;
                first = false;
            }
        }
    }

    /// <summary>Every entry that is still there when read.</summary>
    public List<KeyValuePair<TKey, TValue>> Entries()
    {
        List<KeyValuePair<TKey, TValue>> entries = new();
        foreach (TKey key in Keys())
        {
            if (TryLookup(key, out TValue value))
            {
                entries.Add(new(key, value));
            }
        }

        return entries;
    }

    /// <summary>max_entries of the map, as the kernel reports it.</summary>
    public uint MaxEntries()
    {
        BpfMapInfoPrefix info = default;
        uint len = (uint)sizeof(BpfMapInfoPrefix);
        BpfException.Check(LibBpf.bpf_obj_get_info_by_fd(Fd.Fd, &info, &len), $"info of map {Name}");
        return info.MaxEntries;
    }

    public static int KeySize => Unsafe.SizeOf<TKey>();

    public static int ValueSize => Unsafe.SizeOf<TValue>();

    public void Dispose() => Fd.Dispose();
}
