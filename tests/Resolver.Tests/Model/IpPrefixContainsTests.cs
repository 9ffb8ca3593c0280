using System.Net;
using Npa.Resolver.Model;

namespace Npa.Resolver.Tests.Model;

public class IpPrefixContainsTests
{
    [Theory]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("10.0.0.2/31", "10.0.0.3", true)]
    [InlineData("10.0.0.2/31", "10.0.0.4", false)]
    [InlineData("10.0.0.0/12", "10.15.255.255", true)]
    [InlineData("10.0.0.0/12", "10.16.0.0", false)]
    [InlineData("10.0.0.1/32", "10.0.0.1", true)]
    [InlineData("10.0.0.1/32", "10.0.0.2", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "fd00::1", false)]
    [InlineData("::/0", "10.0.0.1", false)]
    [InlineData("::/0", "fd00::1", true)]
    [InlineData("fd00::/64", "fd00::ffff:1", true)]
    [InlineData("fd00::/64", "fd00:0:0:1::1", false)]
    [InlineData("fd00::/127", "fd00::1", true)]
    [InlineData("fd00::/127", "fd00::2", false)]
    [InlineData("fd00::1/128", "fd00::1", true)]
    [InlineData("fd00::1/128", "fd00::1:1", false)]
    public void Contains_IsTrueExactlyForAddressesInsideThePrefix(string prefix, string address, bool inside)
    {
        Assert.Equal(inside, IpPrefix.Parse(prefix).Contains(IPAddress.Parse(address)));
    }
}
