using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Diagnosis;

public sealed class DiagnosisEvaluationTests
{
    [Theory]
    [InlineData(new[] { 5 }, new[] { 5 }, 1.0, 1.0, 1.0)]
    [InlineData(new[] { 5, 6 }, new[] { 5 }, 0.5, 1.0, 0.6666666666666666)]
    [InlineData(new int[0], new[] { 5 }, 0.0, 0.0, 0.0)]
    [InlineData(new[] { 5 }, new int[0], 0.0, 0.0, 0.0)]
    [InlineData(new int[0], new int[0], 0.0, 0.0, 0.0)]
    [InlineData(new[] { 1, 2, 3, 4 }, new[] { 3, 4, 7 }, 0.5, 0.6666666666666666, 0.5714285714285715)]
    public void Score_PredictedAndGold_FollowsTheMetric(int[] predicted, int[] gold, double precision, double recall, double f1)
    {
        var scores = StepScores.Score(predicted, gold);

        Assert.Equal(precision, scores.Precision, 12);
        Assert.Equal(recall, scores.Recall, 12);
        Assert.Equal(f1, scores.F1, 12);
    }

    [Fact]
    public void Read_ManifestLines_UnionsIncorrectStepsAndReportsBadLines()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("manifest.jsonl", string.Join('\n',
            """{"traj_id":"t1","task_name":"x","stages":[{"stage_id":1,"start_step_id":1,"end_step_id":4},{"stage_id":2,"start_step_id":5,"end_step_id":10}],"incorrect_stages":[{"stage_id":2,"incorrect_step_ids":[5,7],"unuseful_step_ids":[6]},{"stage_id":1,"incorrect_step_ids":[3],"unuseful_step_ids":[]}]}""",
            "not json",
            """{"no_traj":1}""",
            "",
            """{"traj_id":"t2","incorrect_stages":[{"stage_id":3,"incorrect_step_ids":["9"],"unuseful_step_ids":[],"steps":[{"step_id":8},{"step_id":10}]}]}"""));

        var (labels, errors) = LabelManifest.Read(path);

        Assert.Equal(2, labels.Count);
        Assert.Equal([3, 5, 7], labels[0].Incorrect.Order());
        Assert.Equal([6], labels[0].Unuseful);
        Assert.Equal(3, labels[0].OnsetStep);
        Assert.Equal(1, labels[0].StageOf(3));
        Assert.Equal([9], labels[1].Incorrect);
        Assert.Equal(3, labels[1].StageOf(9));
        Assert.Equal(2, errors.Count);
        Assert.Contains("line 2", errors[0], StringComparison.Ordinal);
        Assert.Contains("line 3: no traj_id", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Create_Row_ReadsOnsetStagesAgainstTheManifestStages()
    {
        var gold = new GoldLabels
        {
            TrajId = "t",
            Incorrect = new SortedSet<int> { 5, 7 },
            Unuseful = new SortedSet<int>(),
            Stages = [new Stage { Id = 1, FirstStep = 1, LastStep = 4 }, new Stage { Id = 2, FirstStep = 5, LastStep = 10 }],
        };
        var diagnosis = Fixtures.Localizer().Diagnose(Fixtures.PlantedOnset());

        var row = EvaluationRow.Create(gold, "planted", diagnosis);

        Assert.Equal([5], row.Predicted);
        Assert.Equal(1.0, row.Scores.Precision);
        Assert.Equal(0.5, row.Scores.Recall);
        Assert.True(row.OnsetStageHit);
        Assert.Equal(0, row.Tokens);
    }

    [Fact]
    public void Of_Rows_AveragesPerTrajectoryAndCountsOnsetHitsOnlyWhereGoldHasOne()
    {
        var rows = new List<EvaluationRow>
        {
            new("a", "ra", [1], [1], StepScores.Score([1], [1]), 1, 1, 100),
            new("b", "rb", [2], [3], StepScores.Score([3], [2]), 1, 2, 300),
            new("c", "rc", [], [3], StepScores.Score([3], []), null, 1, 200),
        };

        var summary = EvaluationSummary.Of(rows);

        Assert.Equal(3, summary.Runs);
        Assert.Equal(1.0 / 3, summary.F1, 12);
        Assert.Equal(2, summary.OnsetRuns);
        Assert.Equal(0.5, summary.OnsetStageHitRate);
        Assert.Equal(200, summary.MeanTokens);
    }

    [Fact]
    public void MatchKeys_SourcePaths_IncludeFolderAndStemNames()
    {
        var keys = LabelManifest.MatchKeys("id", "task-1", "/x/runs/django__django-1.traj.json").ToList();
        Assert.Equal(["id", "task-1", "django__django-1.traj.json", "django__django-1", "runs", "x"], keys);
        Assert.Contains("miniswe-x-54ac67f0", LabelManifest.MatchKeys("id", null, "/data/miniswe-x-54ac67f0/"));
        Assert.Contains("trial-7", LabelManifest.MatchKeys("id", null, "/jobs/trial-7/agent/trajectory.json"));
    }
}
