using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Processes;

/// <summary>The pwsh and module a detached child runs with: $PSHOME's pwsh, never the process path, and the imported module.</summary>
public sealed class ChildPwshTests
{
    [Fact]
    public void The_child_pwsh_is_the_one_in_pshome_and_a_missing_one_is_named()
    {
        var home = Directory.CreateTempSubdirectory("swarmps-pshome-").FullName;
        try
        {
            var missing = Assert.Throws<SwarmException>(() => ChildPwsh.In(home));
            Assert.Equal("PwshNotFound", missing.ErrorId);
            Assert.Contains(Path.Combine(home, "pwsh"), missing.Message);
            Assert.Contains("-Detach", missing.Remediation);

            var pwsh = Path.Combine(home, "pwsh");
            File.WriteAllText(pwsh, "#!/bin/sh\n");
            Assert.Throws<SwarmException>(() => ChildPwsh.In(home)); // not executable yet
            File.SetUnixFileMode(pwsh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Assert.Equal(pwsh, ChildPwsh.In(home));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_command_that_did_not_come_from_the_imported_module_cannot_start_a_detached_child(string? modulePath)
    {
        var error = Assert.Throws<SwarmException>(() => ChildPwsh.ModuleOf(modulePath));

        Assert.Equal("SwarmModuleNotImported", error.ErrorId);
        Assert.Contains("Import-Module", error.Remediation);
        Assert.Equal("/m/SwarmPS.psd1", ChildPwsh.ModuleOf("/m/SwarmPS.psd1"));
    }
}
