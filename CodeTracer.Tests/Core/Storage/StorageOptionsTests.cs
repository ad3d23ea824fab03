using CodeTracer.Core.Storage;
using CodeTracer.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CodeTracer.Tests.Core.Storage;

public sealed class StorageOptionsTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(Path.Combine("data", "codetracer.db"), new StorageOptions().DatabasePath);
    }

    [Theory]
    [InlineData("", "must be set")]
    [InlineData("   ", "must be set")]
    [InlineData(":memory:", "is not a file")]
    [InlineData("data/", "names a folder")]
    [InlineData("bad\0name.db", "not allowed in a path")]
    public void DatabasePath_Bad_FailsWithReason(string path, string reason)
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { DatabasePath = path });

        Assert.True(result.Failed);
        Assert.Contains(reason, result.FailureMessage);
    }

    [Fact]
    public void DatabasePath_ExistingFolder_FailsNamingIt()
    {
        using var dir = new TempDirectory();

        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { DatabasePath = dir.Path });

        Assert.True(result.Failed);
        Assert.Contains("is an existing folder", result.FailureMessage);
        Assert.Contains(dir.Path, result.FailureMessage);
    }

    [Theory]
    [InlineData("MaxInlineTextChars", "10")]
    [InlineData("WriteBatchRuns", "0")]
    [InlineData("WriteBatchMaxChars", "5")]
    [InlineData("MaxSearchTermsPerRun", "-1")]
    [InlineData("MaxTaskFilterChars", "99999999")]
    public void Limits_OutOfRange_FailAtResolutionNamingTheSetting(string setting, string value)
    {
        using var services = TestServices.Create(settings: new Dictionary<string, string?> { ["Storage:" + setting] = value });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.Contains("Storage:" + setting, error.Message);
    }

    [Fact]
    public void Registration_GivesOneLiteDbStoreForTheInterface()
    {
        using var services = TestServices.Create();

        var store = services.GetRequiredService<IRunStore>();

        Assert.Same(services.GetRequiredService<LiteDbRunStore>(), store);
        Assert.True(Path.IsPathFullyQualified(((LiteDbRunStore)store).DatabasePath));
    }
}
