using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Npa.FlowLogs.CloudWatch;

/// <summary>Where request-signing credentials come from.</summary>
public interface IAwsCredentialSource
{
    ValueTask<ImmutableCredentials> GetAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The AWS SDK's default chain: environment, profile, web identity (IRSA), container and instance
/// role. The SDK caches and refreshes what it resolves.
/// </summary>
public sealed class DefaultAwsCredentialSource : IAwsCredentialSource
{
    private AWSCredentials? _credentials;

    public async ValueTask<ImmutableCredentials> GetAsync(CancellationToken cancellationToken)
    {
        _credentials ??= DefaultAWSCredentialsIdentityResolver.GetCredentials();
        return await _credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Fixed credentials (tests, or keys given explicitly).</summary>
public sealed class StaticAwsCredentialSource(ImmutableCredentials credentials) : IAwsCredentialSource
{
    public ValueTask<ImmutableCredentials> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credentials);
}
