namespace Npa.Tests.Shared.Scale;

/// <summary>The eight NetworkPolicy shapes of the scale scenario; policy <c>np-j</c> has shape j mod 8, with k = j.</summary>
public enum PolicyShape
{
    /// <summary><c>podSelector: {}</c>, policyTypes Ingress, no rules.</summary>
    DefaultDenyIngress = 0,

    /// <summary><c>app=a&lt;k&gt;</c> from pods <c>app=a&lt;k+1&gt;</c> on TCP 8080.</summary>
    AppFromApp = 1,

    /// <summary><c>tier=web</c> from namespaces of the policy's own team on the named port <c>http</c>.</summary>
    WebFromOwnTeam = 2,

    /// <summary><c>app=a&lt;k&gt;</c> egress to 10.0.0.0/8 except 10.200.0.0/16 on TCP 443.</summary>
    EgressToCidr = 3,

    /// <summary><c>app In (a&lt;k&gt;, a&lt;k+2&gt;)</c> from pods with <c>tier NotIn (db)</c>.</summary>
    SetFromNotDb = 4,

    /// <summary><c>app=a&lt;k&gt;</c> egress to pods <c>app=a0</c> of every namespace on UDP and TCP 53.</summary>
    EgressToDns = 5,

    /// <summary><c>tier=db</c> from pods <c>tier=web</c> of <c>env=prod</c> namespaces on TCP 5432 and TCP 6000–6100.</summary>
    DbFromProdWeb = 6,

    /// <summary><c>app=a&lt;k&gt;</c> from 192.168.0.0/16 and from every pod of its namespace.</summary>
    AppFromCidrAndNamespace = 7,
}
