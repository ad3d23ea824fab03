using CodeTracer.Core.Model;
using static CodeTracer.Tests.Core.Tree.TreeFixtures;

namespace CodeTracer.Tests.Core.Tree;

public sealed class ShellClassificationTests
{
    [Theory]
    // tests look, they do not change (CodeTracer's regex calls "python -m pytest x.py" a change)
    [InlineData("python -m pytest tests/test_x.py -q", StepKind.Test, StepEffect.Explore)]
    [InlineData("pytest -x tests/", StepKind.Test, StepEffect.Explore)]
    [InlineData("cd /testbed && python -m pytest tests/ 2>&1 | tail -20", StepKind.Test, StepEffect.Explore)]
    [InlineData("PYTHONPATH=. timeout 300 python3 -m pytest -k foo", StepKind.Test, StepEffect.Explore)]
    [InlineData("go test ./...", StepKind.Test, StepEffect.Explore)]
    [InlineData("cargo test --lib", StepKind.Test, StepEffect.Explore)]
    [InlineData("npm test", StepKind.Test, StepEffect.Explore)]
    [InlineData("npm run test:unit", StepKind.Test, StepEffect.Explore)]
    [InlineData("yarn test", StepKind.Test, StepEffect.Explore)]
    [InlineData("mvn test -Dtest=FooTest", StepKind.Test, StepEffect.Explore)]
    [InlineData("./mvnw -q test", StepKind.Test, StepEffect.Explore)]
    [InlineData("gradle test", StepKind.Test, StepEffect.Explore)]
    [InlineData("./gradlew check", StepKind.Test, StepEffect.Explore)]
    [InlineData("make test", StepKind.Test, StepEffect.Explore)]
    [InlineData("tox -e py39", StepKind.Test, StepEffect.Explore)]
    [InlineData("npx jest src/", StepKind.Test, StepEffect.Explore)]
    [InlineData("python -m unittest discover", StepKind.Test, StepEffect.Explore)]
    [InlineData("python tests/runtests.py sitemaps_tests", StepKind.Test, StepEffect.Explore)]
    [InlineData("bash /tests/run-tests.sh", StepKind.Test, StepEffect.Explore)]
    [InlineData("dotnet test", StepKind.Test, StepEffect.Explore)]
    // installs change the environment
    [InlineData("pip install -e .", StepKind.Install, StepEffect.Change)]
    [InlineData("python -m pip install requests==2.0", StepKind.Install, StepEffect.Change)]
    [InlineData("apt-get update && apt-get install -y gcc", StepKind.Install, StepEffect.Change)]
    [InlineData("sudo apt install default-jdk", StepKind.Install, StepEffect.Change)]
    [InlineData("npm install lodash", StepKind.Install, StepEffect.Change)]
    [InlineData("cargo add serde", StepKind.Install, StepEffect.Change)]
    [InlineData("go get example.com/x", StepKind.Install, StepEffect.Change)]
    [InlineData("pip list | grep numpy", StepKind.Read, StepEffect.Explore)]
    [InlineData("apt-cache search jdk", StepKind.Read, StepEffect.Explore)]
    // git looks or changes
    [InlineData("git diff", StepKind.Git, StepEffect.Explore)]
    [InlineData("git status && git log --oneline -5", StepKind.Git, StepEffect.Explore)]
    [InlineData("git show HEAD:src/x.py", StepKind.Git, StepEffect.Explore)]
    [InlineData("git branch -a", StepKind.Git, StepEffect.Explore)]
    [InlineData("git checkout -- src/x.py", StepKind.Git, StepEffect.Change)]
    [InlineData("git apply fix.patch", StepKind.Git, StepEffect.Change)]
    [InlineData("git add -A && git commit -m fix", StepKind.Git, StepEffect.Change)]
    [InlineData("git stash", StepKind.Git, StepEffect.Change)]
    [InlineData("git -C repo reset --hard HEAD", StepKind.Git, StepEffect.Change)]
    [InlineData("git cherry-pick abc123", StepKind.Git, StepEffect.Change)]
    // writing files
    [InlineData("cat > fix.py <<'EOF'\nprint(1)\nEOF", StepKind.Create, StepEffect.Change)]
    [InlineData("cat <<EOF > notes.md\nhi\nEOF", StepKind.Create, StepEffect.Change)]
    [InlineData("echo 'x = 1' > config.py", StepKind.Create, StepEffect.Change)]
    [InlineData("echo 'more' >> config.py", StepKind.Edit, StepEffect.Change)]
    [InlineData("printf 'a\\n' | tee out.txt", StepKind.Create, StepEffect.Change)]
    [InlineData("sed -i 's/a/b/' src/x.py", StepKind.Edit, StepEffect.Change)]
    [InlineData("sed -i.bak -e 's/a/b/' src/x.py", StepKind.Edit, StepEffect.Change)]
    [InlineData("perl -pi -e 's/a/b/' x.c", StepKind.Edit, StepEffect.Change)]
    [InlineData("patch -p1 < fix.diff", StepKind.Edit, StepEffect.Change)]
    [InlineData("mkdir -p build", StepKind.Create, StepEffect.Change)]
    [InlineData("touch a.txt", StepKind.Create, StepEffect.Change)]
    [InlineData("rm -f reproduce.py", StepKind.Edit, StepEffect.Change)]
    [InlineData("mv a.py b.py", StepKind.Edit, StepEffect.Change)]
    [InlineData("cp a.py b.py", StepKind.Create, StepEffect.Change)]
    [InlineData("chmod +x run.sh", StepKind.Edit, StepEffect.Change)]
    [InlineData("ln -s /opt/x /usr/bin/x", StepKind.Create, StepEffect.Change)]
    [InlineData("find . -name '*.pyc' -delete", StepKind.Edit, StepEffect.Change)]
    [InlineData("find . -name '*.orig' -exec rm {} \\;", StepKind.Edit, StepEffect.Change)]
    [InlineData("black src/", StepKind.Edit, StepEffect.Change)]
    [InlineData("black --check src/", StepKind.Run, StepEffect.Explore)]
    // reading and searching
    [InlineData("cat setup.py", StepKind.Read, StepEffect.Explore)]
    [InlineData("head -n 50 src/x.py", StepKind.Read, StepEffect.Explore)]
    [InlineData("nl -ba requests/models.py | sed -n '200,300p'", StepKind.Read, StepEffect.Explore)]
    [InlineData("sed -n '10,20p' src/x.py", StepKind.Read, StepEffect.Explore)]
    [InlineData("less README.md", StepKind.Read, StepEffect.Explore)]
    [InlineData("grep -rn 'def foo' src", StepKind.Search, StepEffect.Explore)]
    [InlineData("rg foo", StepKind.Search, StepEffect.Explore)]
    [InlineData("find / -name java 2>/dev/null", StepKind.Search, StepEffect.Explore)]
    [InlineData("ls -la", StepKind.Search, StepEffect.Explore)]
    [InlineData("tree -L 2", StepKind.Search, StepEffect.Explore)]
    [InlineData("cd /repo", StepKind.Search, StepEffect.Explore)]
    [InlineData("ls -a | grep README", StepKind.Search, StepEffect.Explore)]
    [InlineData("curl -s http://localhost:8000/", StepKind.Read, StepEffect.Explore)]
    // running programs: explore unless redirected into a file; builds change
    [InlineData("python reproduce.py", StepKind.Run, StepEffect.Explore)]
    [InlineData("python3 -c 'import sys; print(sys.version)'", StepKind.Run, StepEffect.Explore)]
    [InlineData("node vm.js", StepKind.Run, StepEffect.Explore)]
    [InlineData("./run.sh", StepKind.Run, StepEffect.Explore)]
    [InlineData("java -cp . Main", StepKind.Run, StepEffect.Explore)]
    [InlineData("python reproduce.py > out.txt 2>&1", StepKind.Run, StepEffect.Change)]
    [InlineData("python -c \"open('a.txt','w').write('x')\"", StepKind.Run, StepEffect.Change)]
    [InlineData("make", StepKind.Run, StepEffect.Change)]
    [InlineData("gcc -o main main.c", StepKind.Run, StepEffect.Change)]
    [InlineData("javac BugReproducer.java", StepKind.Run, StepEffect.Change)]
    [InlineData("cargo build --release", StepKind.Run, StepEffect.Change)]
    [InlineData("mvn install", StepKind.Run, StepEffect.Change)]
    [InlineData("export PATH=$JAVA_HOME/bin:$PATH", StepKind.Run, StepEffect.Explore)]
    [InlineData("sleep 5", StepKind.Run, StepEffect.Explore)]
    // cloud and cluster CLIs: remote state changes that no file shows
    [InlineData("aws s3 mb s3://sample-bucket", StepKind.Run, StepEffect.Change)]
    [InlineData("aws s3api put-public-access-block --bucket sample-bucket --public-access-block-configuration x", StepKind.Run, StepEffect.Change)]
    [InlineData("aws --region us-east-1 s3api create-bucket --bucket b", StepKind.Run, StepEffect.Change)]
    [InlineData("aws s3 ls", StepKind.Read, StepEffect.Explore)]
    [InlineData("aws s3api get-bucket-policy --bucket sample-bucket", StepKind.Read, StepEffect.Explore)]
    [InlineData("aws ec2 describe-instances", StepKind.Read, StepEffect.Explore)]
    [InlineData("aws configure list", StepKind.Read, StepEffect.Explore)]
    [InlineData("aws configure set region us-east-1", StepKind.Run, StepEffect.Change)]
    [InlineData("kubectl get pods -n default", StepKind.Read, StepEffect.Explore)]
    [InlineData("kubectl apply -f deploy.yaml", StepKind.Run, StepEffect.Change)]
    [InlineData("kubectl logs web-0", StepKind.Run, StepEffect.Explore)]
    [InlineData("gcloud compute instances create vm-1 --zone us-central1-a", StepKind.Run, StepEffect.Change)]
    [InlineData("gcloud compute instances list", StepKind.Read, StepEffect.Explore)]
    [InlineData("terraform init", StepKind.Install, StepEffect.Change)]
    [InlineData("terraform plan", StepKind.Read, StepEffect.Explore)]
    [InlineData("terraform apply -auto-approve", StepKind.Run, StepEffect.Change)]
    [InlineData("helm install web ./chart", StepKind.Run, StepEffect.Change)]
    // finishing
    [InlineData("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached", StepKind.Submit, StepEffect.Change)]
    [InlineData("echo MINI_SWE_AGENT_FINAL_OUTPUT", StepKind.Submit, StepEffect.Explore)]
    public void Classify_ShellCommand_GetsKindAndEffect(string command, StepKind kind, StepEffect effect)
    {
        var call = Classify(command);
        Assert.Equal((kind, effect), (call.Kind, call.Effect));
    }

    [Fact]
    public void Classify_PipelineOfTestAndFilter_IsTheTest()
    {
        var call = Classify("python -m pytest -q 2>&1 | grep -E 'FAIL|passed' | head");
        Assert.Equal(StepKind.Test, call.Kind);
        Assert.Equal(StepEffect.Explore, call.Effect);
    }

    [Fact]
    public void Classify_ChainWithAnEdit_IsAChangeNamedByTheEdit()
    {
        var call = Classify("cd /repo && sed -i 's/x/y/' a.py && python -m pytest");
        Assert.Equal(StepKind.Edit, call.Kind);
        Assert.Equal(StepEffect.Change, call.Effect);
        Assert.Equal(["a.py"], call.FilesTouched);
    }

    [Fact]
    public void Classify_HeredocCreate_TouchesTheTargetNotTheBody()
    {
        var call = Classify("cat > /tmp/fix.py << 'EOF'\nwith open('x.txt', 'w') as f:\n    f.write('rm -rf /')\nEOF");
        Assert.Equal(StepKind.Create, call.Kind);
        Assert.Equal(["/tmp/fix.py"], call.FilesTouched);
    }

    [Fact]
    public void Classify_SedInPlace_TouchesItsFilesNotItsScript()
    {
        var call = Classify("sed -i -e 's/a/b/' -e 's/c/d/' src/one.py src/two.py");
        Assert.Equal(["src/one.py", "src/two.py"], call.FilesTouched);
    }

    [Fact]
    public void Classify_RedirectionTargets_AreTouchedButDevNullIsNot()
    {
        Assert.Equal(["log.txt"], Classify("make > log.txt 2>/dev/null").FilesTouched);
        Assert.Empty(Classify("ls > /dev/null 2>&1").FilesTouched);
    }

    [Fact]
    public void Classify_ScriptTheRunWroteToEditFiles_RunsAsAChange()
    {
        var run = Shell(
            "cat <<'EOF' > apply_fix.py\nwith open('requests/models.py') as f:\n    s = f.read()\nopen('requests/models.py', 'w').write(s)\nEOF",
            "python3 apply_fix.py",
            "python3 reproduce.py");
        new CodeTracer.Core.Tree.StepClassifier(Options).Classify(run);
        Assert.Equal((StepKind.Run, StepEffect.Change), (run.Steps[1].Kind, run.Steps[1].Effect));
        Assert.Equal((StepKind.Run, StepEffect.Explore), (run.Steps[2].Kind, run.Steps[2].Effect));
    }

    [Fact]
    public void Classify_BashDashC_ReadsTheInnerCommand()
    {
        Assert.Equal(StepKind.Test, Classify("bash -lc 'cd /app && pytest -q'").Kind);
        Assert.Equal(StepKind.Install, Classify("docker exec web pip install flask").Kind);
    }

    [Fact]
    public void Classify_XargsRunsItsCommand()
    {
        var call = Classify("find . -name '*.orig' | xargs rm -f");
        Assert.Equal((StepKind.Edit, StepEffect.Change), (call.Kind, call.Effect));
    }
}
