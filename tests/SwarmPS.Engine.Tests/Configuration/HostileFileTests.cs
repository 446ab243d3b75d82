using System.Diagnostics;
using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Tests.Configuration;

/// <summary>
/// Paths that are not ordinary files end in a clear error at once: nothing is read past the limit, and a
/// FIFO with no writer does not hang the reader. Each read is bounded by a timeout so a regression fails
/// the test instead of hanging CI.
/// </summary>
public sealed class HostileFileTests : IDisposable
{
    private readonly TempConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static ConfigException Refused(string path)
    {
        var read = Task.Run(() => ConfigFileReader.ReadText(path));
        Assert.True(((IAsyncResult)read).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)), $"reading {path} did not end within 20 s");
        return Assert.IsType<ConfigException>(read.Exception?.InnerException);
    }

    [Fact]
    public void Dev_zero_is_refused_without_reading_it()
    {
        if (!File.Exists("/dev/zero"))
        {
            return; // not a Unix machine: there is no /dev/zero to refuse
        }

        // On this thread (a device never blocks), so the allocation count is this read's alone.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ConfigException>(() => ConfigFileReader.ReadText("/dev/zero"));
        Assert.Equal("ConfigFileNotRegular", error.ErrorId);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024 * 1024, "refusing /dev/zero allocated more than 1 MB");
    }

    [Fact]
    public void A_symlink_to_dev_zero_is_refused_the_same_way()
    {
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        var link = Path.Combine(_files.Root, "campaign.yaml");
        File.CreateSymbolicLink(link, "/dev/zero");
        Assert.Equal("ConfigFileNotRegular", Refused(link).ErrorId);
    }

    [Fact]
    public void A_fifo_without_a_writer_is_refused_at_once()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fifo = Path.Combine(_files.Root, "site.yaml");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var watch = Stopwatch.StartNew();
        Assert.Equal("ConfigFileNotRegular", Refused(fifo).ErrorId);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"refusing the FIFO took {watch.Elapsed}");
    }

    [Fact]
    public void A_file_past_the_limit_is_refused_with_its_size()
    {
        var path = _files.WriteBytes("big.yaml", new byte[ConfigFileReader.MaxBytes + 1]);
        var error = Refused(path);
        Assert.Equal("ConfigFileTooLarge", error.ErrorId);
        Assert.Contains("1,048,576 bytes", error.Message);
    }

    [Fact]
    public void A_file_at_the_limit_is_read()
    {
        var text = "name: x\n" + new string('#', (int)ConfigFileReader.MaxBytes - 8);
        var path = _files.Write("full.yaml", text);
        Assert.Equal(text, ConfigFileReader.ReadText(path));
    }

    [Fact]
    public void A_directory_and_a_missing_file_keep_their_own_errors()
    {
        Assert.Equal("ConfigPathIsDirectory", Refused(_files.Root).ErrorId);
        Assert.Equal("ConfigFileNotFound", Refused(Path.Combine(_files.Root, "none.yaml")).ErrorId);
    }
}
