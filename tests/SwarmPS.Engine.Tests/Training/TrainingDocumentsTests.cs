using System.Text;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>Every coordinator record to its JSON document and back, field for field, and the documents a bundle's author could plant, refused by name.</summary>
public sealed class TrainingDocumentsTests
{
    [Fact]
    public void A_verdict_round_trips_with_its_init_properties()
    {
        var verdict = TrainingSamples.Verdict() with { Verdict = VerdictKind.ReplayRequired };
        var bytes = TrainingDocuments.Serialize(verdict);
        var read = TrainingDocuments.ParseVerdict(bytes, "v.json");

        Assert.Equal((verdict.RunId, verdict.Contributor, verdict.ManifestDigest, verdict.Verdict), (read.RunId, read.Contributor, read.ManifestDigest, read.Verdict));
        Assert.Equal((verdict.Backend, verdict.AdapterPath, verdict.AdapterDigest, verdict.ExampleCount, verdict.ReplayChecked),
            (read.Backend, read.AdapterPath, read.AdapterDigest, read.ExampleCount, read.ReplayChecked));
        Assert.Equal(verdict.Checks, read.Checks);
        Assert.Equal(bytes, TrainingDocuments.Serialize(read));
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"verdict\": \"ReplayRequired\"", text);
        Assert.Contains("\"replay_checked\": true", text);
    }

    [Fact]
    public void A_replay_an_evaluation_an_aggregation_and_a_publication_round_trip()
    {
        var replay = TrainingSamples.Replay();
        var readReplay = TrainingDocuments.ParseReplay(TrainingDocuments.Serialize(replay), "r.json");
        Assert.Equal((replay.Match, replay.MaxRelativeDifference, replay.Tolerance, replay.ReplayBackend), (readReplay.Match, readReplay.MaxRelativeDifference, readReplay.Tolerance, readReplay.ReplayBackend));
        Assert.Equal(replay.Differences, readReplay.Differences);

        var evaluation = TrainingSamples.Evaluation();
        Assert.Equal(evaluation, TrainingDocuments.ParseEvaluation(TrainingDocuments.Serialize(evaluation), "e.json"));

        var merge = TrainingSamples.Aggregation(new string('a', 64));
        var mergeBytes = TrainingDocuments.Serialize(merge);
        var readMerge = TrainingDocuments.ParseAggregation(mergeBytes, "m.json");
        Assert.Equal(merge.OutputDigest, readMerge.OutputDigest); // bare hex in the record, sha256: in the document
        Assert.Contains("\"output_digest\": \"sha256:" + new string('c', 64), Encoding.UTF8.GetString(mergeBytes));
        Assert.Equal(merge.Inputs, readMerge.Inputs);
        Assert.Equal(merge.Approximations, readMerge.Approximations);
        Assert.Equal(merge.Outputs.Select(o => (o.Name, string.Join(",", o.Shape), o.Bytes, o.Sha256)), readMerge.Outputs.Select(o => (o.Name, string.Join(",", o.Shape), o.Bytes, o.Sha256)));
        Assert.Equal((merge.LoraAlpha, merge.TrimFraction, merge.TrimmedPerSide, merge.RelativeError), (readMerge.LoraAlpha, readMerge.TrimFraction, readMerge.TrimmedPerSide, readMerge.RelativeError));
        Assert.Equal(mergeBytes, TrainingDocuments.Serialize(readMerge));

        var publication = TrainingSamples.Publication(PublishDisposition.Published, TrainingSamples.Digest('c'),
            new[] { new PublishedFile("adapter_model.safetensors", TrainingSamples.Digest('c'), 256) }, "/srv/snapshots/ft");
        var publicationBytes = TrainingDocuments.Serialize(publication);
        var readPublication = TrainingDocuments.ParsePublication(publicationBytes, "p.json");
        Assert.Equal(publication.DecidedAt, readPublication.DecidedAt);
        Assert.Equal(publication.Files, readPublication.Files);
        Assert.Equal((publication.Decision.Result, publication.Decision.Held, publication.Destination, publication.Evidence.BaseHeldOutLoss, publication.Evidence.MergedHeldOutLoss),
            (readPublication.Decision.Result, readPublication.Decision.Held, readPublication.Destination, readPublication.Evidence.BaseHeldOutLoss, readPublication.Evidence.MergedHeldOutLoss));
        Assert.Contains("\"decided_at\": \"2026-12-01T09:30:00.125Z\"", Encoding.UTF8.GetString(publicationBytes));
        Assert.Equal(publicationBytes, TrainingDocuments.Serialize(readPublication));
    }

    public static TheoryData<string, string, string> Hostile() => new()
    {
        { "\"run_id\": \"ft-run-1\"", "\"run_id\": \"ft-run-1\", \"extra\": 1", "'extra'" },
        { "\"run_id\": \"ft-run-1\"", "\"run_id\": \"ft-run-1\", \"run_id\": \"other\"", "'run_id': it appears twice" },
        { "\"example_count\": 128", "\"example_count\": -1", "'example_count'" },
        { "\"verdict\": \"Accepted\"", "\"verdict\": \"accepted!\"", "'verdict': 'accepted!' is not one of Accepted, Rejected, ReplayRequired" },
        { "\"passed\": true", "\"passed\": \"yes\"", "'checks[0].passed': it is not true or false" },
        { "\"manifest_digest\": \"sha256:", "\"manifest_digest\": \"md5:", "'manifest_digest'" },
        { "\"schema_version\": 1", "\"schema_version\": 2", "'schema_version': it is 2" },
        { "\"replay_checked\": true,", "", "'replay_checked': it is missing" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_verdict_is_refused_naming_the_file_and_the_field(string find, string replace, string expected)
    {
        var text = Encoding.UTF8.GetString(TrainingDocuments.Serialize(TrainingSamples.Verdict()));
        Assert.Contains(find, text);
        var index = text.IndexOf(find, StringComparison.Ordinal);
        var hostile = text[..index] + replace + text[(index + find.Length)..];

        var error = Assert.Throws<SwarmException>(() => TrainingDocuments.ParseVerdict(Encoding.UTF8.GetBytes(hostile), "bundle/verdicts/contrib-a.json"));
        Assert.Equal("TrainingDocumentInvalid", error.ErrorId);
        Assert.Contains("bundle/verdicts/contrib-a.json", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_document_too_large_or_not_json_is_refused()
    {
        var large = Assert.Throws<SwarmException>(() => TrainingDocuments.ParseReplay(new byte[TrainingDocumentFields.MaxBytes + 1], "r.json"));
        Assert.Contains("more than a training document's 1024 KiB", large.Message);
        var notJson = Assert.Throws<SwarmException>(() => TrainingDocuments.ParseEvaluation("{\"a\":"u8, "e.json"));
        Assert.Contains("it is not JSON", notJson.Message);
        Assert.Contains("it is not a JSON object", Assert.Throws<SwarmException>(() => TrainingDocuments.ParseVerdict("[1]"u8, "v.json")).Message);
        var nan = Encoding.UTF8.GetString(TrainingDocuments.Serialize(TrainingSamples.Evaluation())).Replace("\"base_loss\": 2.25", "\"base_loss\": 1e999");
        Assert.Contains("'base_loss': it is not a finite number", Assert.Throws<SwarmException>(() => TrainingDocuments.ParseEvaluation(Encoding.UTF8.GetBytes(nan), "e.json")).Message);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("sub/adapter_model.safetensors")]
    [InlineData("..")]
    public void A_published_file_name_that_is_a_path_is_refused(string name)
    {
        var publication = TrainingSamples.Publication(PublishDisposition.Published, TrainingSamples.Digest('c'),
            new[] { new PublishedFile(name, TrainingSamples.Digest('c'), 1) }, "/srv/snapshots/ft");

        var error = Assert.Throws<SwarmException>(() => TrainingDocuments.ParsePublication(TrainingDocuments.Serialize(publication), "p.json"));
        Assert.Contains("'files[0].name'", error.Message);
    }
}
