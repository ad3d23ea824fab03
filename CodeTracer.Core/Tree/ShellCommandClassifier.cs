using CodeTracer.Core.Model;

namespace CodeTracer.Core.Tree;

/// <summary>What classification remembers of a run so far: scripts that edit files and patch files it wrote.</summary>
internal interface IRunMemory
{
    /// <summary>For a script the run wrote with code that writes files, the files its code names (possibly none); null otherwise.</summary>
    IReadOnlyList<string>? WriterScriptTargets(string path);

    /// <summary>For a patch file the run wrote, the files it changes; null otherwise.</summary>
    IReadOnlyList<string>? PatchTargets(string path);
}

/// <summary>
/// Reads what a piece of shell text does: its kind (read, search, run, test, edit, create, install, git, submit),
/// whether it changes state, and the files it reads, writes and runs.
/// </summary>
/// <remarks>
/// Decisions worth knowing:
/// <list type="bullet">
/// <item>Test runners (<c>pytest</c>, <c>python -m pytest</c>, <c>go test</c>, <c>cargo test</c>, <c>npm test</c>, ...)
/// are <c>test</c> and <c>explore</c>: they look at the code, they do not change it. (CodeTracer's regex calls
/// <c>python -m pytest x.py</c> a change because it matches <c>python … .py</c>.)</item>
/// <item>Running a program or script (<c>python repro.py</c>, <c>node x.js</c>, <c>./run.sh</c>, <c>java Main</c>) is
/// <c>run</c> and <c>explore</c>: most runs in agent traces are probes and reproductions whose side effects cannot be
/// seen, and calling each one a new state would flatten the state tree into noise. It becomes a change when its
/// output is redirected into a file, or when the script is one the run itself wrote with code that writes files
/// (an agent's <c>apply_fix.py</c>).</item>
/// <item>Builds (<c>make</c>, <c>gcc</c>, <c>javac</c>, <c>cargo build</c>, <c>go build</c>, <c>mvn package</c>, <c>cmake</c>,
/// <c>./configure</c>) are <c>run</c> and <c>change</c>: they leave binaries, object files and generated sources that
/// every later step depends on, so a broken build is a state the run is in.</item>
/// <item>Package managers that add or remove software are <c>install</c> and <c>change</c>; their query subcommands
/// (<c>pip list</c>, <c>apt-cache search</c>, <c>npm ls</c>) only look.</item>
/// <item><c>cd</c>, <c>export</c>, <c>source</c> and friends only change the shell session, not the work: explore.</item>
/// </list>
/// </remarks>
internal sealed class ShellCommandClassifier
{
    private const int MaxNesting = 3;

    private readonly int _maxChars;
    private readonly IRunMemory? _memory;

    /// <param name="maxChars">Longest shell text read.</param>
    /// <param name="memory">What the run wrote earlier (scripts that edit files, patch files), when known.</param>
    public ShellCommandClassifier(int maxChars, IRunMemory? memory = null)
    {
        _maxChars = maxChars;
        _memory = memory;
    }

    /// <summary>Running a script: a change when the run wrote it with code that writes files, and then it writes what its code names.</summary>
    private void RunScript(string path, CallFacts facts)
    {
        if (_memory?.WriterScriptTargets(path) is not { } targets)
        {
            facts.Is(StepKind.Run);
            return;
        }
        facts.Is(StepKind.Run, StepEffect.Change);
        facts.ScriptTargets.AddRange(targets);
        facts.Writes.AddRange(targets);
    }

    /// <summary>Classifies shell text into <paramref name="facts"/>.</summary>
    public void Classify(string text, CallFacts facts) => Classify(text, facts, 0);

    private void Classify(string text, CallFacts facts, int nesting)
    {
        var script = ShellCommandReader.Read(text, _maxChars);
        var anything = false;
        var allWait = script.Commands.Count > 0;
        foreach (var command in script.Commands)
        {
            var part = new CallFacts();
            ClassifyCommand(command, part, nesting);
            if (part.KindRank >= 0) anything = true;
            allWait &= part.IsWait;
            facts.Absorb(part);
        }
        if (!anything) facts.Is(StepKind.Run);
        if (allWait) facts.IsWait = true;
    }

    private void ClassifyCommand(ShellCommand command, CallFacts facts, int nesting)
    {
        var words = command.Words;
        var start = Unwrap(words, facts);
        if (start < words.Count)
        {
            ClassifyWords(words, start, command, facts, nesting);
        }
        else if (command.Redirects.Count > 0)
        {
            // A bare redirection ("> out.txt") truncates or creates the file.
            facts.Is(StepKind.Run);
        }

        foreach (var redirect in command.Redirects)
        {
            if (redirect.WritesFile)
            {
                facts.Writes.Add(redirect.Target);
                var readingKind = facts.Kind is StepKind.Read or StepKind.Search or StepKind.Run or StepKind.Unknown
                    && (start >= words.Count || IsProducer(words[start]));
                if (readingKind || start >= words.Count)
                {
                    // cat > f <<EOF, echo x > f, printf ... > f, > f: the point of the command is the file.
                    facts.Is(redirect.Appends ? StepKind.Edit : StepKind.Create, StepEffect.Change);
                    var body = command.Redirects.FirstOrDefault(r => r.HeredocBody is not null)?.HeredocBody;
                    if (body is not null && !redirect.Appends) facts.Contents.Add(new WrittenContent(redirect.Target, body));
                }
                else
                {
                    facts.MarkChange();
                }
            }
            else if (redirect.Operator == "<" && redirect.Target.Length > 0 && !redirect.Target.StartsWith("/dev/", StringComparison.Ordinal))
            {
                facts.Reads.Add(redirect.Target);
            }
        }
    }

    /// <summary>Commands whose output is the data: with a write redirection they create the file.</summary>
    private static bool IsProducer(string word) => Base(word) is "cat" or "echo" or "printf" or "head" or "tail" or "sed" or "awk"
        or "grep" or "sort" or "uniq" or "cut" or "tr" or "jq" or "base64" or "xxd" or "envsubst" or "yes" or "seq" or "tee" or "true" or ":";

    /// <summary>Skips environment assignments and wrappers (<c>sudo</c>, <c>timeout 60</c>, <c>env</c>, <c>xargs</c>, <c>uv run</c>, ...).</summary>
    private static int Unwrap(List<string> words, CallFacts facts)
    {
        var i = 0;
        while (i < words.Count)
        {
            var word = words[i];
            if (IsAssignment(word))
            {
                i++;
                continue;
            }
            switch (Base(word))
            {
                case "sudo" or "doas":
                    i = SkipOptions(words, i + 1, "u", "g", "C", "D", "h", "p", "r", "t", "U");
                    continue;
                case "env":
                    i = SkipOptions(words, i + 1, "u", "C", "S");
                    continue;
                case "timeout":
                    facts.TimeoutWrapper = true;
                    i = SkipOptions(words, i + 1, "s", "k", "signal", "kill-after");
                    if (i < words.Count) i++; // the duration
                    continue;
                case "time" or "nohup" or "exec" or "command" or "builtin" or "stdbuf" or "unbuffer" or "caffeinate" or "chronic" or "catchsegv":
                    if (Base(word) == "command" && i + 1 < words.Count && words[i + 1] is "-v" or "-V") return i;
                    i = SkipOptions(words, i + 1, "o", "e", "i", "p");
                    continue;
                case "nice" or "ionice" or "taskset" or "numactl" or "chrt":
                    i = SkipOptions(words, i + 1, "n", "c", "p");
                    if (Base(word) == "taskset" && i < words.Count) i++;
                    continue;
                case "xargs":
                    // "find . -name x | xargs rm": what xargs runs is the command; its file arguments come from the pipe.
                    i = SkipOptions(words, i + 1, "I", "n", "P", "L", "d", "s", "a", "E");
                    continue;
                case "uv" or "poetry" or "pipenv" or "pdm" or "hatch" or "rye" when i + 1 < words.Count && words[i + 1] == "run":
                    i = SkipOptions(words, i + 2, "p", "python", "with");
                    continue;
                case "conda" or "mamba" or "micromamba" when i + 1 < words.Count && words[i + 1] == "run":
                    i = SkipOptions(words, i + 2, "n", "p", "name", "prefix");
                    continue;
                case "bundle" when i + 1 < words.Count && words[i + 1] == "exec":
                    i += 2;
                    continue;
                case "npx" or "pnpx" or "bunx":
                    i = SkipOptions(words, i + 1, "p", "package");
                    continue;
                case "pnpm" or "yarn" when i + 1 < words.Count && words[i + 1] == "exec":
                    i += 2;
                    continue;
                default:
                    return i;
            }
        }
        return i;
    }

    private static bool IsAssignment(string word)
    {
        var eq = word.IndexOf('=');
        if (eq <= 0) return false;
        for (var k = 0; k < eq; k++)
        {
            var c = word[k];
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_') || (k == 0 && char.IsAsciiDigit(c))) return false;
        }
        return true;
    }

    /// <summary>Skips <c>-x</c> / <c>--long</c> options; the short or long names given take a separate value.</summary>
    private static int SkipOptions(List<string> words, int i, params string[] withValue)
    {
        while (i < words.Count && words[i].Length > 1 && words[i][0] == '-')
        {
            var option = words[i].TrimStart('-');
            i++;
            if (words[i - 1] == "--") break;
            if (!option.Contains('=') && withValue.Contains(option) && i < words.Count) i++;
        }
        return i;
    }

    /// <summary>The program name without its directory (<c>/usr/bin/python3</c> → <c>python3</c>).</summary>
    internal static string Base(string word)
    {
        var slash = word.LastIndexOf('/');
        return slash >= 0 && slash < word.Length - 1 ? word[(slash + 1)..] : word;
    }

    /// <summary>
    /// Program name to its case in <see cref="ClassifyWords"/>: one hash lookup instead of hundreds of string
    /// comparisons per command (a switch over so many names with guards compiles to a chain of comparisons).
    /// </summary>
    private static readonly Dictionary<string, int> s_programGroups = new(StringComparer.Ordinal)
    {
        ["submit"] = 0, ["cd"] = 1, ["pushd"] = 1, ["popd"] = 1, ["export"] = 2, ["source"] = 2, ["."] = 2, ["alias"] = 2, ["unalias"] = 2,
        ["set"] = 2, ["unset"] = 2, ["shopt"] = 2, ["ulimit"] = 2, ["umask"] = 2, ["hash"] = 2, ["history"] = 2, ["declare"] = 2,
        ["local"] = 2, ["readonly"] = 2, ["trap"] = 2, ["eval"] = 3, ["echo"] = 4, ["printf"] = 4, ["true"] = 4, ["false"] = 4, [":"] = 4,
        ["clear"] = 4, ["reset"] = 4, ["wait"] = 4, ["exit"] = 4, ["logout"] = 4, ["read"] = 4, ["test"] = 4, ["["] = 4, ["[["] = 4,
        ["sleep"] = 5, ["ls"] = 6, ["ll"] = 6, ["la"] = 6, ["dir"] = 6, ["tree"] = 6, ["exa"] = 6, ["eza"] = 6, ["grep"] = 6, ["egrep"] = 6,
        ["fgrep"] = 6, ["zgrep"] = 6, ["rg"] = 6, ["ag"] = 6, ["ack"] = 6, ["fd"] = 6, ["fdfind"] = 6, ["pwd"] = 6, ["realpath"] = 6,
        ["readlink"] = 6, ["basename"] = 6, ["dirname"] = 6, ["compgen"] = 6, ["apropos"] = 6, ["find"] = 7, ["cat"] = 8, ["head"] = 8,
        ["tail"] = 8, ["less"] = 8, ["more"] = 8, ["nl"] = 8, ["bat"] = 8, ["batcat"] = 8, ["view"] = 8, ["od"] = 8, ["xxd"] = 8,
        ["hexdump"] = 8, ["strings"] = 8, ["file"] = 8, ["stat"] = 8, ["wc"] = 8, ["diff"] = 8, ["colordiff"] = 8, ["cmp"] = 8,
        ["comm"] = 8, ["md5sum"] = 8, ["sha1sum"] = 8, ["sha256sum"] = 8, ["sha512sum"] = 8, ["cksum"] = 8, ["jq"] = 8, ["yq"] = 8,
        ["xmllint"] = 8, ["sort"] = 8, ["uniq"] = 8, ["cut"] = 8, ["tr"] = 8, ["column"] = 8, ["fold"] = 8, ["rev"] = 8, ["tac"] = 8,
        ["readelf"] = 8, ["objdump"] = 8, ["nm"] = 8, ["ldd"] = 8, ["zcat"] = 8, ["bzcat"] = 8, ["xzcat"] = 8, ["base64"] = 8,
        ["iconv"] = 8, ["fmt"] = 8, ["paste"] = 8, ["join"] = 8, ["expand"] = 8, ["look"] = 8, ["pr"] = 8, ["csvlook"] = 8,
        ["identify"] = 8, ["exiftool"] = 8, ["pdftotext"] = 8, ["seq"] = 8, ["which"] = 9, ["whereis"] = 9, ["type"] = 9, ["locate"] = 9,
        ["mlocate"] = 9, ["ps"] = 10, ["pgrep"] = 10, ["top"] = 10, ["htop"] = 10, ["id"] = 10, ["whoami"] = 10, ["uname"] = 10,
        ["date"] = 10, ["hostname"] = 10, ["nproc"] = 10, ["free"] = 10, ["df"] = 10, ["du"] = 10, ["lsof"] = 10, ["netstat"] = 10,
        ["ss"] = 10, ["ip"] = 10, ["ifconfig"] = 10, ["printenv"] = 10, ["lscpu"] = 10, ["lsblk"] = 10, ["uptime"] = 10, ["groups"] = 10,
        ["getent"] = 10, ["locale"] = 10, ["tty"] = 10, ["jobs"] = 10, ["dmesg"] = 10, ["journalctl"] = 10, ["man"] = 10, ["info"] = 10,
        ["help"] = 10, ["apt-cache"] = 10, ["dpkg-query"] = 10, ["nvidia-smi"] = 10, ["lsb_release"] = 10, ["arch"] = 10, ["ping"] = 10,
        ["dig"] = 10, ["nslookup"] = 10, ["host"] = 10, ["telnet"] = 10, ["ssh-keyscan"] = 10, ["dpkg"] = 11, ["sed"] = 12, ["perl"] = 13,
        ["awk"] = 14, ["gawk"] = 14, ["mawk"] = 14, ["nawk"] = 14, ["tee"] = 15, ["mkdir"] = 16, ["touch"] = 16, ["ln"] = 16,
        ["mktemp"] = 16, ["mkfifo"] = 16, ["cp"] = 17, ["rsync"] = 17, ["scp"] = 17, ["install"] = 17, ["rm"] = 18, ["rmdir"] = 18,
        ["unlink"] = 18, ["shred"] = 18, ["mv"] = 18, ["chmod"] = 18, ["chown"] = 18, ["chgrp"] = 18, ["truncate"] = 18, ["dos2unix"] = 18,
        ["unix2dos"] = 18, ["setfacl"] = 18, ["chattr"] = 18, ["rename"] = 18, ["patch"] = 19, ["ed"] = 20, ["ex"] = 20, ["vi"] = 20,
        ["vim"] = 20, ["nvim"] = 20, ["nano"] = 20, ["emacs"] = 20, ["pico"] = 20, ["micro"] = 20, ["joe"] = 20, ["dd"] = 21, ["tar"] = 22,
        ["unzip"] = 23, ["gunzip"] = 23, ["bunzip2"] = 23, ["unxz"] = 23, ["7z"] = 23, ["7za"] = 23, ["unrar"] = 23, ["zip"] = 23,
        ["gzip"] = 23, ["bzip2"] = 23, ["xz"] = 23, ["zstd"] = 23, ["unzstd"] = 23, ["wget"] = 24, ["curl"] = 25, ["kill"] = 26,
        ["pkill"] = 26, ["killall"] = 26, ["systemctl"] = 26, ["service"] = 26, ["supervisorctl"] = 26, ["crontab"] = 26, ["useradd"] = 26,
        ["usermod"] = 26, ["groupadd"] = 26, ["passwd"] = 26, ["chpasswd"] = 26, ["update-alternatives"] = 26, ["ldconfig"] = 26,
        ["mount"] = 26, ["umount"] = 26, ["swapon"] = 26, ["sysctl"] = 26, ["iptables"] = 26, ["modprobe"] = 26, ["locale-gen"] = 26,
        ["update-ca-certificates"] = 26, ["tmux"] = 27, ["screen"] = 27, ["bash"] = 28, ["sh"] = 28, ["zsh"] = 28, ["dash"] = 28,
        ["ksh"] = 28, ["fish"] = 28, ["su"] = 28, ["script"] = 28, ["runuser"] = 28, ["docker"] = 29, ["podman"] = 29, ["pip"] = 30,
        ["pip3"] = 30, ["pipx"] = 30, ["pip2"] = 30, ["uv"] = 31, ["poetry"] = 32, ["pipenv"] = 32, ["pdm"] = 32, ["hatch"] = 32,
        ["rye"] = 32, ["conda"] = 33, ["mamba"] = 33, ["micromamba"] = 33, ["apt"] = 34, ["apt-get"] = 34, ["aptitude"] = 34, ["yum"] = 34,
        ["dnf"] = 34, ["microdnf"] = 34, ["apk"] = 34, ["pacman"] = 34, ["zypper"] = 34, ["brew"] = 34, ["port"] = 34, ["snap"] = 34,
        ["flatpak"] = 34, ["choco"] = 34, ["winget"] = 34, ["nix-env"] = 34, ["npm"] = 35, ["yarn"] = 35, ["pnpm"] = 35, ["bun"] = 35,
        ["gem"] = 36, ["composer"] = 36, ["cpan"] = 36, ["cpanm"] = 36, ["luarocks"] = 36, ["opam"] = 36, ["rustup"] = 36, ["nvm"] = 36,
        ["sdk"] = 36, ["asdf"] = 36, ["pyenv"] = 36, ["rbenv"] = 36, ["corepack"] = 36, ["vcpkg"] = 36, ["conan"] = 36, ["bundle"] = 37,
        ["bundler"] = 37, ["cargo"] = 38, ["go"] = 39, ["dotnet"] = 40, ["mvn"] = 41, ["mvnw"] = 41, ["mvnd"] = 41, ["gradle"] = 42,
        ["gradlew"] = 42, ["make"] = 43, ["gmake"] = 43, ["bmake"] = 43, ["ninja"] = 43, ["mingw32-make"] = 43, ["pytest"] = 44,
        ["py.test"] = 44, ["tox"] = 44, ["nox"] = 44, ["jest"] = 44, ["vitest"] = 44, ["mocha"] = 44, ["karma"] = 44, ["ava"] = 44,
        ["tap"] = 44, ["rspec"] = 44, ["phpunit"] = 44, ["pest"] = 44, ["ctest"] = 44, ["nosetests"] = 44, ["nose2"] = 44, ["trial"] = 44,
        ["behave"] = 44, ["cucumber"] = 44, ["cucumber-js"] = 44, ["bats"] = 44, ["prove"] = 44, ["playwright"] = 44, ["cypress"] = 44,
        ["testem"] = 44, ["jasmine"] = 44, ["tape"] = 44, ["busted"] = 44, ["runtests"] = 44, ["run-tests"] = 44, ["run_tests"] = 44,
        ["gcc"] = 45, ["g++"] = 45, ["cc"] = 45, ["c++"] = 45, ["clang"] = 45, ["clang++"] = 45, ["tcc"] = 45, ["ld"] = 45, ["as"] = 45,
        ["nasm"] = 45, ["yasm"] = 45, ["javac"] = 45, ["kotlinc"] = 45, ["scalac"] = 45, ["rustc"] = 45, ["tsc"] = 45, ["ghc"] = 45,
        ["gfortran"] = 45, ["coqc"] = 45, ["ocamlc"] = 45, ["ocamlopt"] = 45, ["ocamlfind"] = 45, ["csc"] = 45, ["mcs"] = 45,
        ["msbuild"] = 45, ["xbuild"] = 45, ["emcc"] = 45, ["swiftc"] = 45, ["nvcc"] = 45, ["go-build"] = 45, ["cmake"] = 45, ["meson"] = 45,
        ["autoreconf"] = 45, ["autoconf"] = 45, ["automake"] = 45, ["aclocal"] = 45, ["libtool"] = 45, ["configure"] = 45, ["bazel"] = 45,
        ["buck"] = 45, ["scons"] = 45, ["waf"] = 45, ["ant"] = 45, ["sbt"] = 45, ["lein"] = 45, ["esbuild"] = 45, ["webpack"] = 45,
        ["rollup"] = 45, ["vite"] = 45, ["parcel"] = 45, ["babel"] = 45, ["swc"] = 45, ["protoc"] = 45, ["flex"] = 45, ["bison"] = 45,
        ["yacc"] = 45, ["lex"] = 45, ["cython"] = 45, ["f2py"] = 45, ["ar"] = 45, ["ranlib"] = 45, ["strip"] = 45, ["objcopy"] = 45,
        ["pyinstaller"] = 45, ["nuitka"] = 45, ["dune"] = 45, ["mix"] = 45, ["stack"] = 45, ["cabal"] = 45, ["zig"] = 45, ["elm"] = 45,
        ["idris"] = 45, ["agda"] = 45, ["lean"] = 45, ["lake"] = 45, ["verilator"] = 45, ["iverilog"] = 45, ["yosys"] = 45, ["git"] = 46,
        ["gh"] = 47, ["hub"] = 47, ["svn"] = 47, ["hg"] = 47, ["black"] = 48, ["isort"] = 48, ["autopep8"] = 48, ["yapf"] = 48,
        ["prettier"] = 48, ["gofmt"] = 48, ["rustfmt"] = 48, ["clang-format"] = 48, ["eslint"] = 48, ["autoflake"] = 48, ["ruff"] = 48,
        ["standard"] = 48, ["stylua"] = 48, ["shfmt"] = 48, ["flake8"] = 49, ["pylint"] = 49, ["mypy"] = 49, ["pyright"] = 49,
        ["pyflakes"] = 49, ["pycodestyle"] = 49, ["shellcheck"] = 49, ["cppcheck"] = 49, ["clang-tidy"] = 49, ["golint"] = 49,
        ["staticcheck"] = 49, ["hadolint"] = 49, ["tflint"] = 49, ["bandit"] = 49, ["vulture"] = 49, ["node"] = 50, ["nodejs"] = 50,
        ["ruby"] = 50, ["php"] = 50, ["Rscript"] = 50, ["R"] = 50, ["lua"] = 50, ["luajit"] = 50, ["tclsh"] = 50, ["osascript"] = 50,
        ["pwsh"] = 50, ["powershell"] = 50, ["java"] = 50, ["kotlin"] = 50, ["scala"] = 50, ["groovy"] = 50, ["dotnet-script"] = 50,
        ["ts-node"] = 50, ["tsx"] = 50, ["deno"] = 50, ["elixir"] = 50, ["erl"] = 50, ["escript"] = 50, ["swipl"] = 50, ["guile"] = 50,
        ["racket"] = 50, ["sbcl"] = 50, ["clisp"] = 50, ["ghci"] = 50, ["runghc"] = 50, ["runhaskell"] = 50, ["ocaml"] = 50,
        ["qemu-system-x86_64"] = 50, ["qemu-system-i386"] = 50, ["qemu-system-aarch64"] = 50, ["qemu-system-arm"] = 50,
        ["qemu-system-mips"] = 50, ["gdb"] = 50, ["lldb"] = 50, ["valgrind"] = 50, ["strace"] = 50, ["ltrace"] = 50, ["perf"] = 50,
        ["sqlite3"] = 50, ["psql"] = 50, ["mysql"] = 50, ["redis-cli"] = 50, ["mongo"] = 50, ["mongosh"] = 50, ["ssh"] = 50, ["nc"] = 50,
        ["ncat"] = 50, ["socat"] = 50, ["expect"] = 50, ["gnuplot"] = 50, ["octave"] = 50, ["matlab"] = 50, ["sage"] = 50, ["maxima"] = 50,
        ["julia"] = 50, ["aws"] = 51, ["awslocal"] = 51, ["gcloud"] = 51, ["gsutil"] = 51, ["az"] = 51, ["kubectl"] = 51, ["oc"] = 51,
        ["helm"] = 51, ["terraform"] = 51, ["tofu"] = 51, ["pulumi"] = 51, ["doctl"] = 51, ["flyctl"] = 51, ["heroku"] = 51,
        ["vercel"] = 51, ["firebase"] = 51, ["wrangler"] = 51, ["mc"] = 51, ["s3cmd"] = 51, ["minikube"] = 51, ["kind"] = 51,
    };

    private void ClassifyWords(List<string> words, int start, ShellCommand command, CallFacts facts, int nesting)
    {
        var name = words[start];
        var program = Base(name);
        var args = new ArgView(words, start + 1);
        if (program.Length is > 0 and <= 40 && program is not ("cd" or "export" or "source" or "." or "echo" or "printf" or "sleep" or "set" or "true" or ":" or "[" or "[[" or "test"))
        {
            facts.Program ??= program;
        }

        if (IsPython(program))
        {
            ClassifyPython(args, command, facts);
            return;
        }

        // The agent saying it is done, and build tools' own test subcommands, before the table below.
        if (program is "echo" or "printf" && args.Any(a => a.Contains("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", StringComparison.Ordinal)
                                                      || a.Contains("MINI_SWE_AGENT_FINAL_OUTPUT", StringComparison.Ordinal)))
        {
            facts.Is(StepKind.Submit);
            return;
        }
        if (program is "deno" or "mix" or "sbt" or "lein" or "swift" or "stack" or "cabal" or "zig" or "dune" or "flutter" or "dart" or "elixir" or "julia"
            && args.Has("test"))
        {
            facts.Is(StepKind.Test);
            return;
        }

        switch (s_programGroups.GetValueOrDefault(program, -1))
        {
            // ---- the agent saying it is done ----
            case 0: // submit
                facts.Is(StepKind.Submit);
                return;

            // ---- moving around and session state: explore ----
            case 1: // cd pushd popd
                facts.Is(StepKind.Search);
                return;
            case 2: // export source . alias unalias set ...
                facts.Is(StepKind.Run);
                return;
            case 3: // eval
                if (nesting < MaxNesting && args.Count > 0) Classify(string.Join(' ', args.All), facts, nesting + 1); else facts.Is(StepKind.Run);
                return;
            case 4: // echo printf true false : clear ...
                facts.Is(StepKind.Run);
                return;
            case 5: // sleep
                facts.Is(StepKind.Run);
                facts.IsWait = true;
                return;

            // ---- searching ----
            case 6: // ls ll la dir tree exa ...
                facts.Is(StepKind.Search);
                if (program is "ls" or "ll" or "la" or "dir" or "tree" && args.Operands([]).Any(IsSystemPath)) facts.ProbesEnvironment = true;
                return;
            case 7: // find
                ClassifyFind(args, facts);
                return;

            // ---- reading ----
            case 8: // cat head tail less more nl ...
                facts.Is(StepKind.Read);
                facts.Reads.AddRange(args.Operands(program is "head" or "tail" ? ["n", "c"] : program is "cut" ? ["d", "f", "c", "b"] : program is "sort" ? ["k", "t", "o"] : []));
                return;
            case 9: // which whereis type locate mlocate
                facts.Is(StepKind.Search);
                facts.ProbesEnvironment = true;
                return;
            case 10: // ps pgrep top htop id whoami ...
                facts.Is(StepKind.Read);
                facts.ProbesEnvironment = program is not ("man" or "info" or "help");
                return;
            case 11: // dpkg
                if (args.Has("-i") || args.Has("--install") || args.Has("-r") || args.Has("--remove") || args.Has("-P")) facts.Is(StepKind.Install, StepEffect.Change);
                else facts.Is(StepKind.Read);
                return;
            case 12: // sed
                ClassifyInPlaceEditor(args, facts, inPlace: args.Any(a => a.StartsWith("-i", StringComparison.Ordinal) || a.StartsWith("--in-place", StringComparison.Ordinal)
                    || (a.Length > 1 && a[0] == '-' && a[1] != '-' && a.Contains('i') && !a.Contains('e') && a != "-n")), scriptOptions: ["e", "f", "expression", "file", "l"]);
                return;
            case 13: // perl
                if (args.Any(IsPerlInPlaceFlag))
                {
                    ClassifyInPlaceEditor(args, facts, inPlace: true, scriptOptions: ["e", "E", "M", "I"]);
                }
                else
                {
                    ClassifyInterpreter(args, facts, program, ["e", "E", "M", "I"]);
                }
                return;
            case 14: // awk gawk mawk nawk
                var inPlace = args.Has("inplace") && args.Has("-i");
                ClassifyInPlaceEditor(args, facts, inPlace, scriptOptions: ["f", "v", "F", "i"]);
                return;
            case 15: // tee
                var teeFiles = args.Operands([]).Where(f => f is not "/dev/null" and not "/dev/stdout" and not "/dev/stderr").ToList();
                if (teeFiles.Count > 0)
                {
                    facts.Is(args.Has("-a") || args.Has("--append") ? StepKind.Edit : StepKind.Create, StepEffect.Change);
                    facts.Writes.AddRange(teeFiles);
                    var body = command.Redirects.FirstOrDefault(r => r.HeredocBody is not null)?.HeredocBody;
                    if (body is not null && !args.Has("-a")) facts.Contents.AddRange(teeFiles.Select(f => new WrittenContent(f, body)));
                }
                else
                {
                    facts.Is(StepKind.Read);
                }
                return;

            // ---- changing files ----
            case 16: // mkdir touch ln mktemp mkfifo
                facts.Is(StepKind.Create, StepEffect.Change);
                facts.Writes.AddRange(args.Operands(program == "mkdir" ? ["m", "mode"] : program == "touch" ? ["d", "r", "t"] : []));
                return;
            case 17: // cp rsync scp install
                facts.Is(StepKind.Create, StepEffect.Change);
                var copyOperands = args.Operands(["t", "S", "m", "o", "g", "target-directory", "e"]);
                if (copyOperands.Count > 0)
                {
                    facts.Writes.Add(copyOperands[^1]);
                    facts.Reads.AddRange(copyOperands.Take(copyOperands.Count - 1));
                }
                if (copyOperands.Count == 2 && program == "cp") facts.Copies.Add((copyOperands[0], copyOperands[1]));
                return;
            case 18: // rm rmdir unlink shred mv chmod ...
                facts.Is(StepKind.Edit, StepEffect.Change);
                var operands = args.Operands(program == "truncate" ? ["s", "r", "size", "reference"] : []);
                // chmod's first operand is the mode, chown's the owner.
                if (program is "chmod" or "chown" or "chgrp" && operands.Count > 0) operands.RemoveAt(0);
                facts.Writes.AddRange(operands);
                if (program is "rm" or "rmdir" or "unlink" or "shred") facts.Deletes.AddRange(operands);
                if (program == "mv" && operands.Count == 2) facts.Copies.Add((operands[0], operands[1]));
                return;
            case 19: // patch
                facts.Is(StepKind.Edit, StepEffect.Change);
                var patchTargets = args.Operands(["p", "i", "d", "o", "r", "input", "directory", "output", "D", "F", "B", "z", "V", "Y"]);
                if (patchTargets.Count > 0)
                {
                    facts.Writes.Add(patchTargets[0]);
                }
                else
                {
                    // The files a patch changes are named on its "+++" lines: in the heredoc, or in a patch file the run wrote.
                    var patchBody = command.Redirects.FirstOrDefault(r => r.HeredocBody is not null)?.HeredocBody;
                    var patchFile = args.ValueOf("i", "input") ?? command.Redirects.FirstOrDefault(r => r.Operator == "<")?.Target;
                    if (patchFile is not null) facts.Reads.Add(patchFile);
                    facts.Writes.AddRange(patchBody is not null ? DiffTargets(patchBody) : patchFile is not null ? _memory?.PatchTargets(patchFile) ?? [] : []);
                }
                return;
            case 20: // ed ex vi vim nvim nano ...
                facts.Is(StepKind.Edit, StepEffect.Change);
                facts.Writes.AddRange(args.Operands(["c", "s"]).Where(o => !o.StartsWith('+')));
                return;
            case 21: // dd
                var output = args.All.FirstOrDefault(a => a.StartsWith("of=", StringComparison.Ordinal));
                if (output is not null && !output.StartsWith("of=/dev/", StringComparison.Ordinal))
                {
                    facts.Is(StepKind.Create, StepEffect.Change);
                    facts.Writes.Add(output[3..]);
                }
                else
                {
                    facts.Is(StepKind.Read);
                }
                return;
            case 22: // tar
                var mode = TarMode(args);
                ClassifyArchive(args, facts, extract: mode == 'x', create: mode == 'c');
                return;
            case 23: // unzip gunzip bunzip2 unxz 7z 7za ...
                var listing = args.Has("-l") || args.Has("-t") || args.Has("-c") || args.Has("l") || args.Has("t") || args.Has("--list") || args.Has("--stdout");
                var creating = program is "zip" or "gzip" or "bzip2" or "xz" or "zstd" || (program is "7z" or "7za" && args.First() is "a" or "u");
                ClassifyArchive(args, facts, extract: !listing && !creating, create: creating);
                // The archive is the first operand after 7z's subcommand letter, or the first operand.
                var archiveOperands = args.Operands(["d", "x", "P"]).Where(o => o.Length > 1).ToList();
                if (archiveOperands.Count > 0)
                {
                    if (creating) facts.Writes.Add(archiveOperands[0]); else facts.Reads.Add(archiveOperands[0]);
                }
                return;
            case 24: // wget
                facts.Is(StepKind.Create, StepEffect.Change);
                var wgetOut = args.ValueOf("O", "output-document");
                if (wgetOut is not null && wgetOut != "-") facts.Writes.Add(wgetOut);
                else if (wgetOut == "-") facts.Is(StepKind.Read);
                return;
            case 25: // curl
                var curlOut = args.ValueOf("o", "output");
                if (curlOut is not null && curlOut != "-")
                {
                    facts.Is(StepKind.Create, StepEffect.Change);
                    facts.Writes.Add(curlOut);
                }
                else if (args.Has("-O") || args.Has("--remote-name"))
                {
                    facts.Is(StepKind.Create, StepEffect.Change);
                }
                else if (args.Any(a => a is "-X" or "--request" or "-d" or "--data" or "-F" or "--form" or "--data-binary" or "--data-raw" or "-T" or "--upload-file"))
                {
                    // Posting to a service changes that service's state.
                    facts.Is(StepKind.Run, StepEffect.Change);
                }
                else
                {
                    facts.Is(StepKind.Read);
                }
                return;

            // ---- processes ----
            case 26: // kill pkill killall systemctl service supervisorctl ...
                if (program is "systemctl" or "service" && (args.Has("status") || args.Has("is-active") || args.Has("list-units") || args.Has("--status-all")))
                {
                    facts.Is(StepKind.Read);
                }
                else if (program is "crontab" && args.Has("-l"))
                {
                    facts.Is(StepKind.Read);
                }
                else
                {
                    facts.Is(StepKind.Run, StepEffect.Change);
                }
                return;
            case 27: // tmux screen
                facts.Is(StepKind.Run);
                return;
            case 28: // bash sh zsh dash ksh fish ...
                ClassifyShellProgram(words, start, command, facts, nesting);
                return;
            case 29: // docker podman
                ClassifyDocker(args, facts, nesting);
                return;

            // ---- package managers ----
            case 30: // pip pip3 pipx pip2
                ClassifyPip(args, facts);
                return;
            case 31: // uv
                if (args.First() == "pip") ClassifyPip(args.Skip(1), facts);
                else if (args.First() is "add" or "remove" or "sync" or "lock" or "venv" or "init" or "tool") facts.Is(StepKind.Install, StepEffect.Change);
                else facts.Is(StepKind.Run);
                return;
            case 32: // poetry pipenv pdm hatch rye
                if (args.First() is "install" or "add" or "remove" or "update" or "lock" or "sync" or "uninstall" or "shell" or "env") facts.Is(StepKind.Install, StepEffect.Change);
                else if (args.First() is "test") facts.Is(StepKind.Test);
                else facts.Is(StepKind.Run);
                return;
            case 33: // conda mamba micromamba
                if (args.First() is "install" or "create" or "remove" or "update" or "uninstall" || (args.First() == "env" && args.Has("create"))) facts.Is(StepKind.Install, StepEffect.Change);
                else if (args.First() is "activate" or "deactivate") facts.Is(StepKind.Run);
                else facts.Is(StepKind.Read);
                return;
            case 34: // apt apt-get aptitude yum dnf microdnf ...
                var sub = args.FirstOperand();
                if (sub is "install" or "add" or "remove" or "purge" or "upgrade" or "update" or "dist-upgrade" or "full-upgrade" or "reinstall"
                    or "autoremove" or "del" or "uninstall" or "build-dep" || args.Any(a => a is "-S" or "-Syu" or "-Sy" or "-R" or "-U" or "-i"))
                {
                    facts.Is(StepKind.Install, StepEffect.Change);
                }
                else
                {
                    facts.Is(StepKind.Read);
                }
                return;
            case 35: // npm yarn pnpm bun
                ClassifyNodePackageManager(program, args, facts);
                return;
            case 36: // gem composer cpan cpanm luarocks opam ...
                var gemSub = args.FirstOperand();
                if (gemSub is null or "install" or "require" or "add" or "update" or "uninstall" or "remove" or "use" or "global" or "local"
                    or "default" or "toolchain" or "target" or "component" or "enable" or "prepare" or "init" or "switch" || program is "cpanm")
                {
                    facts.Is(StepKind.Install, StepEffect.Change);
                }
                else if (gemSub is "test")
                {
                    facts.Is(StepKind.Test);
                }
                else
                {
                    facts.Is(StepKind.Read);
                }
                return;
            case 37: // bundle bundler
                if (args.First() is null or "install" or "update" or "add" or "lock") facts.Is(StepKind.Install, StepEffect.Change);
                else facts.Is(StepKind.Run);
                return;
            case 38: // cargo
                ClassifyCargo(args, facts);
                return;
            case 39: // go
                ClassifyGo(args, facts);
                return;
            case 40: // dotnet
                ClassifyDotnet(args, facts);
                return;
            case 41: // mvn mvnw mvnd
                ClassifyMaven(args, facts);
                return;
            case 42: // gradle gradlew
                if (args.All.Any(a => a is "test" or "check" or "connectedCheck" || a.EndsWith(":test", StringComparison.Ordinal) || a.StartsWith("test", StringComparison.Ordinal) && !a.StartsWith("testClasses", StringComparison.Ordinal)))
                    facts.Is(StepKind.Test);
                else if (args.All.Any(a => a is "dependencies" or "tasks" or "projects" or "properties" or "--version" or "-v" or "help"))
                    facts.Is(StepKind.Read);
                else
                    facts.Is(StepKind.Run, StepEffect.Change);
                return;
            case 43: // make gmake bmake ninja mingw32-make
                ClassifyMake(args, facts);
                return;

            // ---- test runners ----
            case 44: // pytest py.test tox nox jest vitest ...
                if (program is "playwright" or "cypress" && !(args.First() is "test" or "run")) facts.Is(StepKind.Run);
                else if (program is "tox" or "nox" && (args.Has("-l") || args.Has("--list") || args.Has("--version"))) facts.Is(StepKind.Read);
                else facts.Is(StepKind.Test);
                return;

            // ---- builds: run + change (see the class remarks) ----
            case 45: // gcc g++ cc c++ clang clang++ ...
                if (args.Has("--version") || args.Has("-v") && args.Count == 1 || args.Has("--help") || (program == "tsc" && args.Has("--noEmit")))
                {
                    facts.Is(StepKind.Read);
                    facts.ProbesEnvironment = !args.Has("--noEmit");
                }
                else
                {
                    facts.Is(StepKind.Run, StepEffect.Change);
                    var outputFile = args.ValueOf("o");
                    if (outputFile is not null) facts.Writes.Add(outputFile);
                    facts.Reads.AddRange(args.Operands(["o", "I", "L", "l", "D", "x", "include", "std", "MF", "MT", "B", "cp", "classpath", "d", "sourcepath", "G", "S", "C", "j"])
                        .Where(LooksLikeSourceFile));
                }
                return;

            // ---- git ----
            case 46: // git
                ClassifyGit(args, facts);
                if (args.FirstOperand() is "apply" or "am")
                {
                    var body = command.Redirects.FirstOrDefault(r => r.HeredocBody is not null)?.HeredocBody;
                    if (body is not null) facts.Writes.AddRange(DiffTargets(body));
                    foreach (var patchFile in facts.Reads.ToList()) facts.Writes.AddRange(_memory?.PatchTargets(patchFile) ?? []);
                }
                return;
            case 47: // gh hub svn hg
                facts.Is(StepKind.Git, args.First() is "status" or "diff" or "log" or "show" or "view" or "list" or "info" or "cat" ? StepEffect.Explore : StepEffect.Change);
                return;

            // ---- formatters rewrite files unless asked only to check ----
            case 48: // black isort autopep8 yapf prettier gofmt ...
                var writes = program switch
                {
                    "black" or "isort" => !args.Has("--check") && !args.Has("--diff") && !args.Has("-c"),
                    "prettier" => args.Has("--write") || args.Has("-w"),
                    "gofmt" or "shfmt" => args.Has("-w"),
                    "clang-format" => args.Has("-i"),
                    "eslint" or "standard" => args.Has("--fix"),
                    "ruff" => args.First() == "format" ? !args.Has("--check") && !args.Has("--diff") : args.Has("--fix"),
                    "autopep8" or "autoflake" or "yapf" => args.Has("-i") || args.Has("--in-place"),
                    _ => !args.Has("--check"),
                };
                if (writes)
                {
                    facts.Is(StepKind.Edit, StepEffect.Change);
                    facts.Writes.AddRange(args.Operands(["l", "line-length", "config", "style", "c", "t"]));
                }
                else
                {
                    facts.Is(StepKind.Run);
                }
                return;
            case 49: // flake8 pylint mypy pyright pyflakes pycodestyle ...
                facts.Is(StepKind.Run);
                facts.Reads.AddRange(args.Operands([]));
                return;

            // ---- cloud and cluster CLIs: they change remote state, which no file diff shows ----
            case 51: // aws gcloud gsutil az kubectl helm terraform ...
                ClassifyCloudCli(program, args, facts);
                return;

            // ---- interpreters running a script ----
            case 50: // node nodejs ruby php Rscript R ...
                ClassifyInterpreter(args, facts, program, program switch
                {
                    "node" or "nodejs" or "deno" => ["e", "r", "require", "eval", "p", "print", "import", "loader"],
                    "ruby" => ["e", "r", "I"],
                    "php" => ["r", "d", "c", "f"],
                    "java" => ["cp", "classpath", "jar", "p", "module-path", "m", "D"],
                    "Rscript" or "R" => ["e"],
                    "gdb" or "lldb" => ["ex", "x", "batch", "p"],
                    "sqlite3" or "psql" or "mysql" => ["c", "cmd", "U", "h", "d", "e", "p", "u"],
                    _ => [],
                });
                return;
        }

        if (IsTestScriptName(program))
        {
            facts.Is(StepKind.Test);
            facts.Executes.Add(name);
            return;
        }
        if (program is "configure" or "autogen.sh" || program.StartsWith("bootstrap", StringComparison.Ordinal))
        {
            facts.Is(StepKind.Run, StepEffect.Change);
            facts.Executes.Add(name);
            return;
        }
        if (program is "install.sh" or "setup.sh" or "install_deps.sh" or "install-deps.sh" or "requirements.sh")
        {
            facts.Is(StepKind.Install, StepEffect.Change);
            facts.Executes.Add(name);
            return;
        }
        if (program is "build.sh" or "compile.sh")
        {
            facts.Is(StepKind.Run, StepEffect.Change);
            facts.Executes.Add(name);
            return;
        }

        // A program or script run by path, or any other command: run.
        RunScript(name, facts);
        if (name.Contains('/') || IsScriptFile(name)) facts.Executes.Add(name);
    }

    /// <summary>True for a cloud or cluster CLI (<c>aws</c>, <c>kubectl</c>, <c>terraform</c>…) by its program name.</summary>
    public static bool IsCloudCli(string? program) => program is not null && s_programGroups.GetValueOrDefault(program, -1) == 51;

    /// <summary>
    /// A cloud or cluster CLI (<c>aws s3 mb</c>, <c>kubectl apply</c>, <c>terraform apply</c>): the first operand that is a
    /// verb decides. Reading verbs (<c>ls</c>, <c>describe-*</c>, <c>get</c>, <c>plan</c>) explore; anything that creates,
    /// deletes, uploads or configures changes state, even though no local file shows it. Service and resource names
    /// (<c>s3</c>, <c>compute instances</c>) are skipped on the way to the verb.
    /// </summary>
    private static void ClassifyCloudCli(string program, ArgView args, CallFacts facts)
    {
        foreach (var word in args.All.Where(w => !w.StartsWith('-')).Take(5))
        {
            var verb = word.ToLowerInvariant();
            // "configure list" reads and "config set" writes: the verb after them decides.
            if (verb is "configure" or "config" or "auth") continue;
            if (program is "terraform" or "tofu" or "pulumi" && verb is "init" or "get" or "providers")
            {
                facts.Is(StepKind.Install, StepEffect.Change);
                return;
            }
            if (program is "kubectl" or "oc" && verb is "logs" or "exec" or "port-forward" or "proxy")
            {
                facts.Is(StepKind.Run);
                return;
            }
            if (IsCloudReadVerb(verb))
            {
                facts.Is(StepKind.Read);
                return;
            }
            if (IsCloudChangeVerb(verb))
            {
                facts.Is(StepKind.Run, StepEffect.Change);
                return;
            }
        }
        facts.Is(StepKind.Run);
    }

    private static bool IsCloudReadVerb(string verb) =>
        verb is "ls" or "list" or "get" or "describe" or "show" or "status" or "top" or "explain" or "version" or "help" or "plan"
            or "validate" or "output" or "whoami" or "cat" or "du" or "stat" or "view" or "wait" or "diff" or "preview" or "info"
            or "inspect" or "search" or "history" or "logs" or "tail" or "find" or "head" or "api-resources" or "cluster-info"
            or "current-context" or "get-contexts" or "print-access-token"
        || s_cloudReadPrefixes.Any(prefix => verb.StartsWith(prefix, StringComparison.Ordinal));

    private static bool IsCloudChangeVerb(string verb) =>
        verb is "mb" or "rb" or "cp" or "mv" or "rm" or "sync" or "rsync" or "apply" or "destroy" or "patch" or "replace" or "scale"
            or "label" or "annotate" or "deploy" or "install" or "upgrade" or "uninstall" or "rollback" or "run" or "restart"
            or "import" or "taint" or "untaint" or "edit" or "expose" or "invoke" or "publish" or "up" or "down" or "refresh"
            or "set" or "unset" or "create" or "delete" or "update" or "push" or "release" or "setmeta" or "acl" or "cordon"
            or "uncordon" or "drain" or "rollout" or "autoscale" or "start" or "stop" or "login" or "logout" or "use-context"
        || s_cloudChangePrefixes.Any(prefix => verb.StartsWith(prefix, StringComparison.Ordinal));

    // AWS-style verbs are a prefix and a resource ("describe-instances", "put-bucket-policy").
    private static readonly string[] s_cloudReadPrefixes =
    [
        "list-", "describe-", "get-", "head-", "show-", "lookup-", "test-", "check-", "wait-",
    ];

    private static readonly string[] s_cloudChangePrefixes =
    [
        "create-", "delete-", "put-", "update-", "attach-", "detach-", "add-", "remove-", "modify-", "set-",
        "start-", "stop-", "run-", "terminate-", "reboot-", "tag-", "untag-", "enable-", "disable-", "register-",
        "deregister-", "upload-", "send-", "invoke-", "import-", "restore-", "copy-", "associate-", "disassociate-",
        "apply-",
    ];

    /// <summary><c>-i</c>, <c>-pi</c>, <c>-i.bak</c>: a cluster of single-letter switches that includes in-place editing.</summary>
    private static bool IsPerlInPlaceFlag(string word)
    {
        if (word.Length < 2 || word[0] != '-' || word[1] == '-' || word[1] is 'M' or 'I' or 'e' or 'E' or 'm' or 'x') return false;
        var i = word.IndexOf('i', StringComparison.Ordinal);
        if (i < 0) return false;
        for (var k = 1; k < i; k++)
        {
            if (!char.IsAsciiLetterLower(word[k])) return false;
        }
        return true;
    }

    private static readonly HashSet<string> s_scriptExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".py", ".sh", ".bash", ".js", ".mjs", ".cjs", ".ts", ".rb", ".pl", ".php", ".lua", ".r", ".jl", ".exe", ".jar", ".bin", ".out", ".run", ".AppImage",
    };

    /// <summary>A word that names a script or binary file (<c>run.sh</c>, <c>a.out</c>), not a typo such as <c>find.</c>.</summary>
    private static bool IsScriptFile(string name)
    {
        var extension = Path.GetExtension(name);
        return extension.Length > 1 && s_scriptExtensions.Contains(extension);
    }

    /// <summary>Paths outside any project: <c>/</c>, <c>/usr/...</c>, <c>/opt/...</c>, <c>/etc/...</c>.</summary>
    internal static bool IsSystemPath(string path)
    {
        if (path == "/") return true;
        if (!path.StartsWith('/')) return false;
        var second = path.IndexOf('/', 1);
        var top = second < 0 ? path[1..] : path[1..second];
        return top is "usr" or "opt" or "etc" or "lib" or "lib64" or "bin" or "sbin" or "var" or "proc" or "sys" or "Library" or "snap" or "nix";
    }

    private static bool LooksLikeSourceFile(string word) =>
        word.Length > 2 && !word.StartsWith('-') && Path.HasExtension(word) && !word.Contains('=') && !word.Contains('$');

    internal static bool IsPython(string program)
    {
        if (program.StartsWith("python", StringComparison.Ordinal))
        {
            var rest = program.AsSpan(6);
            foreach (var c in rest)
            {
                if (!char.IsAsciiDigit(c) && c != '.' && c != 'm' && c != 'w') return false;
            }
            return true;
        }
        return program is "pypy" or "pypy3" or "ipython" or "ipython3";
    }

    /// <summary>Script names that are test runners or test files (<c>run_tests.sh</c>, <c>runtests.py</c>, <c>test_x.py</c>, <c>x_test.py</c>).</summary>
    internal static bool IsTestScriptName(string path)
    {
        var file = Base(path);
        var stem = Path.GetFileNameWithoutExtension(file).ToLowerInvariant();
        if (stem.Length == 0) return false;
        return stem is "test" or "tests" or "runtests" or "run_tests" or "run-tests" or "runtest" or "run_test" or "run-test" or "test_all"
                   or "test-all" or "alltests" or "check" or "run_unittests" or "unittests" or "test_runner"
               || stem.StartsWith("test_", StringComparison.Ordinal) || stem.StartsWith("test-", StringComparison.Ordinal)
               || stem.EndsWith("_test", StringComparison.Ordinal) || stem.EndsWith("_tests", StringComparison.Ordinal)
               || stem.EndsWith("-test", StringComparison.Ordinal) || stem.EndsWith("-tests", StringComparison.Ordinal)
               || stem.StartsWith("run_test", StringComparison.Ordinal) || stem.StartsWith("run-test", StringComparison.Ordinal)
               || stem.EndsWith(".test", StringComparison.Ordinal) || stem.EndsWith(".spec", StringComparison.Ordinal);
    }

    private void ClassifyPython(ArgView args, ShellCommand command, CallFacts facts)
    {
        var i = 0;
        while (i < args.Count)
        {
            var a = args[i];
            if (a == "-m" && i + 1 < args.Count)
            {
                ClassifyPythonModule(args[i + 1], args.Skip(i + 2), facts);
                return;
            }
            if (a.StartsWith("-m", StringComparison.Ordinal) && a.Length > 2)
            {
                ClassifyPythonModule(a[2..], args.Skip(i + 1), facts);
                return;
            }
            if (a == "-c" && i + 1 < args.Count)
            {
                ClassifyCode(args[i + 1], facts);
                return;
            }
            if (a == "-")
            {
                ClassifyCode(command.Redirects.FirstOrDefault(r => r.HeredocBody is not null)?.HeredocBody ?? "", facts);
                return;
            }
            if (a is "-W" or "-X" or "-Q" && i + 1 < args.Count)
            {
                i += 2;
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                if (a is "-V" or "--version" or "-h" or "--help")
                {
                    facts.Is(StepKind.Read);
                    facts.ProbesEnvironment = true;
                    return;
                }
                i++;
                continue;
            }
            // The script.
            facts.Executes.Add(a);
            var file = Base(a);
            if (file is "setup.py")
            {
                var sub = args.Skip(i + 1).FirstOperand();
                if (sub is "test" or "pytest") facts.Is(StepKind.Test);
                else if (sub is "--version" or "--name" or "check") facts.Is(StepKind.Read);
                else facts.Is(StepKind.Install, StepEffect.Change);
                return;
            }
            if (file is "manage.py")
            {
                var sub = args.Skip(i + 1).FirstOperand();
                if (sub is "test") facts.Is(StepKind.Test);
                else if (sub is "migrate" or "makemigrations" or "collectstatic" or "loaddata" or "createsuperuser" or "flush" or "startapp") facts.Is(StepKind.Run, StepEffect.Change);
                else facts.Is(StepKind.Run);
                return;
            }
            if (IsTestScriptName(file))
            {
                facts.Is(StepKind.Test);
                return;
            }
            RunScript(a, facts);
            return;
        }
        // "python3 <<EOF" or a bare interpreter fed by a heredoc.
        var body = command.Redirects.FirstOrDefault(r => r.HeredocBody is not null)?.HeredocBody;
        if (body is not null) ClassifyCode(body, facts); else facts.Is(StepKind.Run);
    }

    private static void ClassifyPythonModule(string module, ArgView rest, CallFacts facts)
    {
        switch (module)
        {
            case "pytest" or "py.test" or "unittest" or "doctest" or "tox" or "nox" or "nose" or "nose2" or "trial" or "green" or "ward":
                if (module == "unittest" && rest.First() is "--help" or "-h") facts.Is(StepKind.Read);
                else facts.Is(StepKind.Test);
                return;
            case "pip":
                ClassifyPip(rest, facts);
                return;
            case "venv" or "virtualenv" or "ensurepip" or "pipx":
                facts.Is(StepKind.Install, StepEffect.Change);
                return;
            case "black" or "isort" or "autopep8" or "yapf" or "autoflake":
                if (rest.Has("--check") || rest.Has("--diff")) facts.Is(StepKind.Run);
                else facts.Is(StepKind.Edit, StepEffect.Change);
                return;
            case "build" or "compileall" or "py_compile" or "setuptools" or "nuitka" or "PyInstaller" or "grpc_tools.protoc" or "cython":
                // py_compile/compileall only check syntax as far as anyone cares, but they do write .pyc files; protoc and build write sources/wheels.
                facts.Is(StepKind.Run, module is "py_compile" or "compileall" ? StepEffect.Explore : StepEffect.Change);
                return;
            case "django" when rest.FirstOperand() == "test":
                facts.Is(StepKind.Test);
                return;
            case "json.tool" or "pydoc" or "site" or "sysconfig" or "platform" or "this" or "pip_audit" or "pipdeptree":
                facts.Is(StepKind.Read);
                return;
            default:
                if (module.Contains("test", StringComparison.OrdinalIgnoreCase)) facts.Is(StepKind.Test);
                else facts.Is(StepKind.Run);
                return;
        }
    }

    /// <summary>Inline Python (<c>-c</c>, a heredoc): a run, or a change when the code writes, moves or deletes files or installs packages.</summary>
    internal static void ClassifyCode(string code, CallFacts facts)
    {
        if (PythonCodeWritesFiles(code))
        {
            facts.Is(StepKind.Run, StepEffect.Change);
            var targets = WriteTargets(code, null);
            facts.ScriptTargets.AddRange(targets);
            facts.Writes.AddRange(targets);
        }
        else if (code.Contains("pip install", StringComparison.Ordinal) || code.Contains("pip.main(", StringComparison.Ordinal)) facts.Is(StepKind.Install, StepEffect.Change);
        else facts.Is(StepKind.Run);
    }

    private static readonly string[] s_writeMarkers =
    [
        ".write_text(", ".write_bytes(", "os.remove(", "os.unlink(", "os.rename(", "os.replace(", "os.makedirs(", "os.mkdir(",
        "os.rmdir(", "shutil.copy", "shutil.move(", "shutil.rmtree(", "json.dump(", "pickle.dump(", "yaml.dump(", "np.save(", ".to_csv(",
        ".savefig(", "writeFileSync(", "fs.writeFile(", "appendFileSync(", "fs.unlinkSync(", "fs.mkdirSync(", ".touch(", ".unlink(", ".mkdir(",
        "fileinput.input(", "subprocess.run([\"sed\", \"-i\"", "File.write(", "file_put_contents(",
    ];

    private static readonly string[] s_writeModes = ["'w'", "\"w\"", "'a'", "\"a\"", "'wb'", "\"wb\"", "'w+'", "\"w+\"", "'ab'", "\"ab\"", "'r+'", "\"r+\"", "mode='w", "mode=\"w", "'wt'", "\"wt\"", "'x'", "\"x\""];

    private static readonly HashSet<string> s_sourceExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".py", ".pyi", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".java", ".kt", ".scala", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs",
        ".go", ".rs", ".rb", ".php", ".swift", ".m", ".json", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".txt", ".md", ".rst", ".html",
        ".css", ".xml", ".sql", ".sh", ".v", ".ml", ".hs", ".lua", ".r", ".jl", ".proto", ".gradle", ".properties",
    };

    /// <summary>
    /// The files code probably writes: string literals that look like paths to source or data files (a known
    /// extension, no spaces), ranked by how close they sit to a write: <c>open('x', 'w')</c>, <c>to_csv('x')</c>,
    /// <c>write_text</c> first; then literals assigned to a name that says output (<c>out_file = 'x'</c>); other
    /// literals only when nothing better is found and there are at most two. At most five, the script itself excluded.
    /// </summary>
    internal static List<string> WriteTargets(string code, string? self)
    {
        var strong = new List<string>();
        var hinted = new List<string>();
        var weak = new List<string>();
        var span = code.AsSpan();
        var i = 0;
        var literals = 0;
        while (i < span.Length && literals < 200)
        {
            var quote = span[i];
            if (quote is not ('\'' or '"'))
            {
                i++;
                continue;
            }
            var end = i + 1;
            while (end < span.Length && span[end] != quote && span[end] != '\n') end++;
            if (end >= span.Length || span[end] != quote)
            {
                i = end;
                continue;
            }
            var literal = span[(i + 1)..end];
            var before = span[Math.Max(0, i - 40)..i];
            var after = span[(end + 1)..Math.Min(span.Length, end + 24)];
            i = end + 1;
            literals++;
            if (literal.Length is < 3 or > 200 || literal.ContainsAny(" \t{}%$*<>|,;()") || literal.StartsWith("http", StringComparison.Ordinal)) continue;
            var text = literal.ToString();
            var extension = Path.GetExtension(text);
            if (extension.Length < 2 || !s_sourceExtensions.Contains(extension)) continue;
            if (self is not null && (text == self || Base(text) == Base(self))) continue;
            var list = IsWriteContext(before, after) ? strong : IsOutputName(before) ? hinted : weak;
            if (!list.Contains(text)) list.Add(text);
        }
        var chosen = strong.Count > 0 ? strong : hinted.Count > 0 ? hinted : weak.Count <= 2 ? weak : [];
        return chosen.Take(5).ToList();
    }

    private static bool IsWriteContext(ReadOnlySpan<char> before, ReadOnlySpan<char> after)
    {
        var a = after.TrimStart();
        if (a.StartsWith(",", StringComparison.Ordinal))
        {
            var mode = a[1..].TrimStart();
            if (mode.StartsWith("'w", StringComparison.Ordinal) || mode.StartsWith("\"w", StringComparison.Ordinal) || mode.StartsWith("'a", StringComparison.Ordinal)
                || mode.StartsWith("\"a", StringComparison.Ordinal) || mode.StartsWith("'r+", StringComparison.Ordinal) || mode.StartsWith("mode='w", StringComparison.Ordinal)
                || mode.StartsWith("mode=\"w", StringComparison.Ordinal))
            {
                return true;
            }
        }
        var b = before.TrimEnd();
        return b.EndsWith("to_csv(", StringComparison.Ordinal) || b.EndsWith("savefig(", StringComparison.Ordinal) || b.EndsWith("writeFileSync(", StringComparison.Ordinal)
            || b.EndsWith("np.save(", StringComparison.Ordinal) || b.EndsWith("to_json(", StringComparison.Ordinal) || b.EndsWith("to_parquet(", StringComparison.Ordinal)
            || (b.EndsWith("Path(", StringComparison.Ordinal) && (after.Contains(".write_text(", StringComparison.Ordinal) || after.Contains(".write_bytes(", StringComparison.Ordinal)));
    }

    private static bool IsOutputName(ReadOnlySpan<char> before)
    {
        var b = before.TrimEnd();
        if (!b.EndsWith("=", StringComparison.Ordinal)) return false;
        b = b[..^1].TrimEnd();
        var start = b.Length;
        while (start > 0 && (char.IsLetterOrDigit(b[start - 1]) || b[start - 1] == '_')) start--;
        var name = b[start..];
        return name.Contains("out", StringComparison.OrdinalIgnoreCase) || name.Contains("dest", StringComparison.OrdinalIgnoreCase)
            || name.Contains("target", StringComparison.OrdinalIgnoreCase) || name.Contains("result", StringComparison.OrdinalIgnoreCase)
            || name.Contains("dst", StringComparison.OrdinalIgnoreCase) || name.Contains("save", StringComparison.OrdinalIgnoreCase)
            || name.Contains("write", StringComparison.OrdinalIgnoreCase) || name.Equals("file_path", StringComparison.OrdinalIgnoreCase)
            || name.Equals("path", StringComparison.OrdinalIgnoreCase) || name.Equals("filename", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The files a unified diff changes, from its <c>+++ b/path</c> lines (at most ten).</summary>
    internal static List<string> DiffTargets(string diff)
    {
        var targets = new List<string>();
        var span = diff.AsSpan();
        foreach (var range in span.Split('\n'))
        {
            var line = span[range];
            if (!line.StartsWith("+++ ", StringComparison.Ordinal)) continue;
            var path = line[4..].Trim();
            var tab = path.IndexOf('\t');
            if (tab >= 0) path = path[..tab];
            if (path.StartsWith("b/", StringComparison.Ordinal)) path = path[2..];
            if (path.Length == 0 || path.SequenceEqual("/dev/null")) continue;
            var text = path.ToString();
            if (!targets.Contains(text)) targets.Add(text);
            if (targets.Count >= 10) break;
        }
        return targets;
    }

    /// <summary>True when text looks like a unified diff (it has <c>---</c> and <c>+++</c> file lines).</summary>
    internal static bool LooksLikeDiff(string text) =>
        (text.StartsWith("--- ", StringComparison.Ordinal) || text.Contains("\n--- ", StringComparison.Ordinal)) && text.Contains("\n+++ ", StringComparison.Ordinal);

    private static readonly System.Buffers.SearchValues<string> s_writeMarkerValues = System.Buffers.SearchValues.Create(s_writeMarkers, StringComparison.Ordinal);

    private static readonly System.Buffers.SearchValues<string> s_writeModeValues = System.Buffers.SearchValues.Create(s_writeModes, StringComparison.Ordinal);

    internal static bool PythonCodeWritesFiles(string code)
    {
        var span = code.AsSpan();
        if (span.IndexOfAny(s_writeMarkerValues) >= 0) return true;
        return span.Contains("open(", StringComparison.Ordinal) && span.IndexOfAny(s_writeModeValues) >= 0;
    }

    private void ClassifyInterpreter(ArgView args, CallFacts facts, string program, string[] withValue)
    {
        var code = program switch
        {
            "node" or "nodejs" or "deno" => args.ValueOf("e", "eval", "p", "print"),
            "ruby" or "perl" or "Rscript" or "R" or "julia" or "lua" or "luajit" => args.ValueOf("e"),
            "php" => args.ValueOf("r"),
            _ => null,
        };
        if (code is not null)
        {
            ClassifyCode(code, facts);
            return;
        }
        if (args.Has("--version") || args.Has("-v") && args.Count == 1 || args.Has("-version"))
        {
            facts.Is(StepKind.Read);
            facts.ProbesEnvironment = true;
            return;
        }
        var operands = args.Operands(withValue);
        if (operands.Count > 0 && program is not ("sqlite3" or "psql" or "mysql" or "redis-cli" or "ssh" or "nc" or "ncat" or "socat"))
        {
            var script = operands[0];
            facts.Executes.Add(script);
            if (IsTestScriptName(script) || (program is "node" or "deno" or "bun" && args.Has("--test")))
            {
                facts.Is(StepKind.Test);
                return;
            }
            RunScript(script, facts);
            return;
        }
        facts.Is(StepKind.Run);
    }

    private void ClassifyShellProgram(List<string> words, int start, ShellCommand command, CallFacts facts, int nesting)
    {
        var args = new ArgView(words, start + 1);
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.Length > 1 && a[0] == '-' && a[1] != '-' && a.Contains('c') && i + 1 < args.Count)
            {
                if (nesting < MaxNesting) Classify(args[i + 1], facts, nesting + 1); else facts.Is(StepKind.Run);
                return;
            }
            if (a.Length > 0 && a[0] == '-') continue;
            // bash script.sh
            facts.Executes.Add(a);
            var file = Base(a);
            if (IsTestScriptName(file)) facts.Is(StepKind.Test);
            else if (file is "install.sh" or "setup.sh" or "install_deps.sh" or "install-deps.sh") facts.Is(StepKind.Install, StepEffect.Change);
            else if (file is "build.sh" or "compile.sh" or "configure" or "autogen.sh") facts.Is(StepKind.Run, StepEffect.Change);
            else RunScript(a, facts);
            return;
        }
        // "bash <<EOF": the heredoc is the script.
        var body = command.Redirects.FirstOrDefault(r => r.HeredocBody is not null)?.HeredocBody;
        if (body is not null && nesting < MaxNesting) Classify(body, facts, nesting + 1); else facts.Is(StepKind.Run);
    }

    private void ClassifyDocker(ArgView args, CallFacts facts, int nesting)
    {
        var sub = args.FirstOperand();
        switch (sub)
        {
            case "ps" or "images" or "logs" or "inspect" or "version" or "info" or "stats" or "top" or "port" or "diff" or "history":
                facts.Is(StepKind.Read);
                return;
            case "exec":
                // docker exec [options] CONTAINER COMMAND...: classify the command run inside.
                var i = 1;
                while (i < args.Count && args[i].StartsWith('-'))
                {
                    i += args[i] is "-e" or "--env" or "-u" or "--user" or "-w" or "--workdir" ? 2 : 1;
                }
                i++; // container
                if (i < args.Count && nesting < MaxNesting)
                {
                    Classify(string.Join(' ', args.All.Skip(i).Select(Quote)), facts, nesting + 1);
                    return;
                }
                facts.Is(StepKind.Run);
                return;
            case "build" or "pull" or "compose" or "run" or "create" or "start" or "stop" or "rm" or "rmi" or "kill" or "cp" or "commit" or "tag" or "push" or "load" or "network" or "volume":
                facts.Is(sub is "build" or "pull" ? StepKind.Install : StepKind.Run, StepEffect.Change);
                return;
            default:
                facts.Is(StepKind.Run);
                return;
        }
    }

    private static string Quote(string word) => word.Contains(' ') || word.Contains('\'') ? "\"" + word.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : word;

    private static void ClassifyPip(ArgView args, CallFacts facts)
    {
        var sub = args.FirstOperand();
        if (sub is "install" or "uninstall" or "download" or "wheel" or "sync" or "compile")
        {
            facts.Is(StepKind.Install, StepEffect.Change);
        }
        else
        {
            facts.Is(StepKind.Read);
        }
    }

    private static void ClassifyNodePackageManager(string program, ArgView args, CallFacts facts)
    {
        var sub = args.FirstOperand();
        switch (sub)
        {
            case null when program == "yarn":
            case "install" or "i" or "ci" or "add" or "remove" or "rm" or "uninstall" or "un" or "update" or "up" or "upgrade" or "link" or "unlink" or "dedupe" or "prune" or "rebuild":
                facts.Is(StepKind.Install, StepEffect.Change);
                return;
            case "test" or "t" or "tst":
                facts.Is(StepKind.Test);
                return;
            case "run" or "run-script":
                var script = args.Skip(1).FirstOperand() ?? "";
                if (script.Contains("test", StringComparison.OrdinalIgnoreCase) || script is "spec" or "e2e" or "check") facts.Is(StepKind.Test);
                else if (script.Contains("build", StringComparison.OrdinalIgnoreCase) || script is "compile" or "dist" or "bundle") facts.Is(StepKind.Run, StepEffect.Change);
                else if (script is "format" or "fmt" or "lint:fix" or "prettier") facts.Is(StepKind.Edit, StepEffect.Change);
                else facts.Is(StepKind.Run);
                return;
            case "init" or "create" or "new":
                facts.Is(StepKind.Create, StepEffect.Change);
                return;
            case "ls" or "list" or "view" or "info" or "show" or "outdated" or "why" or "config" or "bin" or "root" or "prefix" or "audit" or "search" or "help" or "pack" or "doctor":
                facts.Is(StepKind.Read);
                return;
            case "build" when program is "bun":
                facts.Is(StepKind.Run, StepEffect.Change);
                return;
            default:
                if (sub is not null && (sub.Contains("test", StringComparison.OrdinalIgnoreCase))) facts.Is(StepKind.Test);
                else if (sub is not null && sub.Contains("build", StringComparison.OrdinalIgnoreCase)) facts.Is(StepKind.Run, StepEffect.Change);
                else if (args.Has("--version") || args.Has("-v")) facts.Is(StepKind.Read);
                else facts.Is(StepKind.Run);
                return;
        }
    }

    private static void ClassifyCargo(ArgView args, CallFacts facts)
    {
        switch (args.FirstOperand())
        {
            case "test" or "nextest" or "bench" or "miri" when !(args.Has("--no-run")):
                facts.Is(StepKind.Test);
                return;
            case "add" or "install" or "fetch" or "update" or "remove" or "rm" or "uninstall" or "vendor" or "generate-lockfile":
                facts.Is(StepKind.Install, StepEffect.Change);
                return;
            case "new" or "init":
                facts.Is(StepKind.Create, StepEffect.Change);
                return;
            case "fmt":
                if (args.Has("--check")) facts.Is(StepKind.Run); else facts.Is(StepKind.Edit, StepEffect.Change);
                return;
            case "fix":
                facts.Is(StepKind.Edit, StepEffect.Change);
                return;
            case "tree" or "metadata" or "search" or "--version" or "version" or "locate-project" or "pkgid" or "verify-project" or "read-manifest":
                facts.Is(StepKind.Read);
                return;
            case "clippy":
                facts.Is(StepKind.Run);
                return;
            default:
                // build, check, run, doc, clean, test --no-run: they build (see the class remarks).
                facts.Is(StepKind.Run, args.Has("--version") ? StepEffect.Explore : StepEffect.Change);
                return;
        }
    }

    private static void ClassifyGo(ArgView args, CallFacts facts)
    {
        switch (args.FirstOperand())
        {
            case "test":
                facts.Is(StepKind.Test);
                return;
            case "build" or "generate" or "clean":
                facts.Is(StepKind.Run, StepEffect.Change);
                return;
            case "get" or "install":
                facts.Is(StepKind.Install, StepEffect.Change);
                return;
            case "mod":
                var sub = args.Skip(1).FirstOperand();
                if (sub is "graph" or "why" or "verify") facts.Is(StepKind.Read); else facts.Is(StepKind.Install, StepEffect.Change);
                return;
            case "fmt" or "fix":
                facts.Is(StepKind.Edit, StepEffect.Change);
                return;
            case "run":
                facts.Is(StepKind.Run);
                facts.Executes.AddRange(args.Skip(1).Operands([]).Take(1));
                return;
            case "version" or "env" or "list" or "doc" or "help":
                facts.Is(StepKind.Read);
                return;
            default:
                facts.Is(StepKind.Run);
                return;
        }
    }

    private static void ClassifyDotnet(ArgView args, CallFacts facts)
    {
        switch (args.FirstOperand())
        {
            case "test" or "vstest":
                facts.Is(StepKind.Test);
                return;
            case "add" or "remove" when args.Has("package") || args.Has("reference"):
            case "restore" or "tool" or "workload":
                facts.Is(StepKind.Install, StepEffect.Change);
                return;
            case "new":
                facts.Is(StepKind.Create, StepEffect.Change);
                return;
            case "format":
                facts.Is(args.Has("--verify-no-changes") ? StepKind.Run : StepKind.Edit, args.Has("--verify-no-changes") ? StepEffect.Explore : StepEffect.Change);
                return;
            case "build" or "publish" or "pack" or "clean" or "msbuild":
                facts.Is(StepKind.Run, StepEffect.Change);
                return;
            case "--version" or "--info" or "--list-sdks" or "list" or "--list-runtimes":
                facts.Is(StepKind.Read);
                return;
            default:
                facts.Is(StepKind.Run);
                return;
        }
    }

    private static void ClassifyMaven(ArgView args, CallFacts facts)
    {
        var goals = args.All.Where(a => !a.StartsWith('-')).ToList();
        if (goals.Any(g => g is "test" or "verify" or "integration-test" || g.EndsWith(":test", StringComparison.Ordinal))
            || (args.All.Any(a => a.StartsWith("-Dtest=", StringComparison.Ordinal)) && !goals.Any(g => g is "install" or "package" or "deploy")))
        {
            facts.Is(StepKind.Test);
            return;
        }
        if (goals.Any(g => g.StartsWith("dependency:", StringComparison.Ordinal) && !g.Equals("dependency:tree", StringComparison.Ordinal)))
        {
            facts.Is(StepKind.Install, StepEffect.Change);
            return;
        }
        if (goals.Count == 0 || goals.All(g => g is "dependency:tree" or "help:effective-pom" or "validate") || args.Has("-v") || args.Has("--version"))
        {
            facts.Is(StepKind.Read);
            return;
        }
        // compile, package, install (builds the artifact and, unless -DskipTests, runs the tests on the way: still a build).
        facts.Is(StepKind.Run, StepEffect.Change);
    }

    private static void ClassifyMake(ArgView args, CallFacts facts)
    {
        var targets = args.Operands(["C", "f", "j", "l", "o", "W", "I", "directory", "file", "jobs"]).Where(t => !t.Contains('=')).ToList();
        if (targets.Any(t => t is "test" or "tests" or "check" or "unittest" or "unittests" or "test-all" or "testall" or "pytest" or "spec" or "verify"
                             || t.StartsWith("test", StringComparison.Ordinal) || t.StartsWith("check-", StringComparison.Ordinal)))
        {
            facts.Is(StepKind.Test);
            return;
        }
        if (targets.Any(t => t is "install" or "deps" or "dependencies" or "setup" or "requirements" or "venv" or "bootstrap"))
        {
            facts.Is(StepKind.Install, StepEffect.Change);
            return;
        }
        if (args.Has("-n") || args.Has("--dry-run") || args.Has("-p") || args.Has("--version") || args.Has("-q") || args.Has("--question"))
        {
            facts.Is(StepKind.Read);
            return;
        }
        facts.Is(StepKind.Run, StepEffect.Change);
    }

    private static void ClassifyFind(ArgView args, CallFacts facts)
    {
        if (args.FirstOperand() is { } root && IsSystemPath(root)) facts.ProbesEnvironment = true;
        if (args.Any(a => a is "-delete" or "-fprint" or "-fprintf" or "-fls"))
        {
            facts.Is(StepKind.Edit, StepEffect.Change);
            return;
        }
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "-exec" or "-execdir" or "-ok" or "-okdir")
            {
                var inner = new List<string>();
                for (var k = i + 1; k < args.Count && args[k] is not (";" or "+" or "\\;"); k++) inner.Add(args[k]);
                var part = new CallFacts();
                if (inner.Count > 0)
                {
                    var innerCommand = new ShellCommand();
                    innerCommand.Words.AddRange(inner);
                    new ShellCommandClassifier(64 * 1024).ClassifyCommand(innerCommand, part, MaxNesting);
                }
                if (part.Effect == StepEffect.Change)
                {
                    facts.Is(part.Kind, StepEffect.Change);
                    return;
                }
            }
        }
        facts.Is(StepKind.Search);
    }

    private static void ClassifyInPlaceEditor(ArgView args, CallFacts facts, bool inPlace, string[] scriptOptions)
    {
        // The first operand is the script unless one came with -e/-f; the rest are files.
        var hasScriptOption = args.Any(a => a.Length > 1 && a[0] == '-' && scriptOptions.Contains(a.TrimStart('-')) && a.TrimStart('-') is "e" or "f" or "expression" or "file");
        var operands = args.Operands(scriptOptions);
        var files = hasScriptOption ? operands : operands.Skip(1).ToList();
        if (inPlace)
        {
            facts.Is(StepKind.Edit, StepEffect.Change);
            facts.Writes.AddRange(files);
        }
        else
        {
            facts.Is(StepKind.Read);
            facts.Reads.AddRange(files);
        }
    }

    /// <summary>tar's operation: <c>x</c> extract, <c>c</c> create or append, <c>t</c> list (from "xzf", "-xzf" or "--extract").</summary>
    private static char TarMode(ArgView args)
    {
        foreach (var a in args.All)
        {
            if (a is "--extract" or "--get") return 'x';
            if (a is "--create" or "--append" or "--update") return 'c';
            if (a is "--list") return 't';
            if (a.StartsWith("--", StringComparison.Ordinal)) continue;
            var letters = a.TrimStart('-');
            if (letters.Length == 0 || letters.Length > 8 || !letters.All(char.IsAsciiLetter)) continue;
            if (letters.Contains('x')) return 'x';
            if (letters.Contains('c') || letters.Contains('r') || letters.Contains('u')) return 'c';
            if (letters.Contains('t')) return 't';
        }
        return 't';
    }

    private static void ClassifyArchive(ArgView args, CallFacts facts, bool extract, bool create)
    {
        if (extract || create)
        {
            facts.Is(StepKind.Create, StepEffect.Change);
            var archive = args.ValueOf("f", "file");
            if (archive is not null && create) facts.Writes.Add(archive);
            else if (archive is not null) facts.Reads.Add(archive);
        }
        else
        {
            facts.Is(StepKind.Read);
        }
    }

    private static readonly HashSet<string> s_gitExplore = new(StringComparer.Ordinal)
    {
        "status", "diff", "log", "show", "blame", "annotate", "ls-files", "ls-tree", "ls-remote", "rev-parse", "rev-list", "describe",
        "shortlog", "reflog", "cat-file", "whatchanged", "grep", "help", "version", "--version", "name-rev", "merge-base", "for-each-ref",
        "show-ref", "count-objects", "fsck", "check-ignore", "check-attr", "var", "diff-tree", "diff-files", "diff-index", "range-diff", "bisect",
    };

    private static void ClassifyGit(ArgView args, CallFacts facts)
    {
        // Global options before the subcommand: -C dir, -c k=v, --no-pager, --git-dir=..., --work-tree=...
        var i = 0;
        while (i < args.Count && args[i].StartsWith('-'))
        {
            i += args[i] is "-C" or "-c" or "--git-dir" or "--work-tree" or "--namespace" ? 2 : 1;
        }
        if (i >= args.Count)
        {
            facts.Is(StepKind.Git);
            return;
        }
        var sub = args[i];
        var rest = args.Skip(i + 1);
        if (s_gitExplore.Contains(sub))
        {
            facts.Is(sub == "grep" ? StepKind.Search : StepKind.Git);
            if (sub is "diff" or "log" or "blame" or "show") facts.Reads.AddRange(rest.AfterDoubleDash());
            return;
        }
        var explore = sub switch
        {
            "branch" => rest.All.All(a => a.StartsWith('-') && a is not ("-d" or "-D" or "-m" or "-M" or "-c" or "-C" or "--delete" or "--move" or "--copy" or "-f" or "--force" or "-u" or "--set-upstream-to")),
            "tag" => rest.Count == 0 || rest.All.All(a => a is "-l" or "--list" or "-n") || rest.Has("-l") || rest.Has("--list"),
            "stash" => rest.First() is "list" or "show",
            "remote" => rest.Count == 0 || rest.First() is "-v" or "show" or "get-url",
            "config" => rest.Has("--get") || rest.Has("--list") || rest.Has("-l") || rest.Has("--get-all") || rest.Has("--get-regexp") || rest.All.Count(a => !a.StartsWith('-')) == 1,
            "worktree" => rest.First() == "list",
            "submodule" => rest.Count == 0 || rest.First() == "status",
            "notes" => rest.Count == 0 || rest.First() is "list" or "show",
            _ => false,
        };
        if (explore)
        {
            facts.Is(StepKind.Git);
            return;
        }

        facts.Is(StepKind.Git, StepEffect.Change);
        switch (sub)
        {
            case "checkout":
                var dashDash = rest.AfterDoubleDash();
                if (dashDash.Count > 0)
                {
                    AddReverts(dashDash, facts);
                }
                else if (rest.Has("-f") || rest.Has("--force") || rest.Has("."))
                {
                    if (rest.Has(".")) facts.RevertsAll = true;
                }
                else
                {
                    // "git checkout f" restores f when f is a path; "git checkout branch" switches branches. A word with a
                    // slash or a dot that is not a known ref shape is taken for a path.
                    var operands = rest.Operands(["b", "B", "t", "track", "orphan"]).Where(o => !rest.Has("-b") && !rest.Has("-B")).ToList();
                    var paths = operands.Where(o => (o.Contains('.') || o.Contains('/')) && !o.StartsWith("origin/", StringComparison.Ordinal) && !o.Contains("..", StringComparison.Ordinal) && o != "HEAD").ToList();
                    if (paths.Count > 0) AddReverts(paths, facts);
                }
                return;
            case "restore":
                if (rest.Has("--staged") && !rest.Has("--worktree") && !rest.Has("-W")) return;
                var targets = rest.Operands(["s", "source"]);
                if (targets.Contains(".")) facts.RevertsAll = true;
                else AddReverts(targets, facts);
                return;
            case "reset":
                if (rest.Has("--hard")) facts.RevertsAll = true;
                return;
            case "stash":
                if (rest.First() is null or "push" or "save" or "-u" or "--include-untracked" or "-k" or "--keep-index" or "-a") facts.RevertsAll = true;
                return;
            case "clean":
                if (rest.Any(a => a.StartsWith('-') && a.Contains('f') && !a.Contains('n'))) facts.RevertsAll = true;
                return;
            case "commit":
                facts.Commits = true;
                return;
            case "add" or "rm" or "mv":
                facts.Writes.AddRange(rest.Operands([]).Where(o => o is not ("." or "-A")));
                return;
            case "apply" or "am":
                facts.Reads.AddRange(rest.Operands(["p", "directory", "exclude", "include"]));
                return;
        }
    }

    private static void AddReverts(IEnumerable<string> paths, CallFacts facts)
    {
        foreach (var path in paths)
        {
            if (path == ".") facts.RevertsAll = true;
            else
            {
                facts.RevertedFiles.Add(path);
                facts.Writes.Add(path);
            }
        }
    }

    /// <summary>A view of a command's arguments with small option helpers.</summary>
    private readonly struct ArgView(List<string> words, int start)
    {
        public int Count => Math.Max(0, words.Count - start);

        public string this[int index] => words[start + index];

        public IEnumerable<string> All => words.Skip(start);

        public string? First() => Count > 0 ? this[0] : null;

        public ArgView Skip(int n) => new(words, Math.Min(words.Count, start + n));

        public bool Has(string word)
        {
            for (var i = start; i < words.Count; i++)
            {
                if (words[i] == word) return true;
            }
            return false;
        }

        public bool Any(Func<string, bool> predicate)
        {
            for (var i = start; i < words.Count; i++)
            {
                if (predicate(words[i])) return true;
            }
            return false;
        }

        /// <summary>The first word that is not an option.</summary>
        public string? FirstOperand()
        {
            for (var i = start; i < words.Count; i++)
            {
                if (!words[i].StartsWith('-')) return words[i];
            }
            return null;
        }

        /// <summary>The value of <c>-o x</c>, <c>-ox</c>, <c>--output x</c> or <c>--output=x</c>.</summary>
        public string? ValueOf(params string[] names)
        {
            for (var i = start; i < words.Count; i++)
            {
                var w = words[i];
                foreach (var name in names)
                {
                    var flag = name.Length == 1 ? "-" + name : "--" + name;
                    if (w == flag) return i + 1 < words.Count ? words[i + 1] : null;
                    if (name.Length > 1 && w.StartsWith(flag + "=", StringComparison.Ordinal)) return w[(flag.Length + 1)..];
                    if (name.Length == 1 && w.Length > 2 && w.StartsWith(flag, StringComparison.Ordinal) && w[1] != '-') return w[2..];
                }
            }
            return null;
        }

        /// <summary>Non-option words, skipping the values of the given options.</summary>
        public List<string> Operands(string[] withValue)
        {
            var result = new List<string>();
            var afterDashDash = false;
            for (var i = start; i < words.Count; i++)
            {
                var w = words[i];
                if (!afterDashDash && w == "--")
                {
                    afterDashDash = true;
                    continue;
                }
                if (!afterDashDash && w.Length > 1 && w[0] == '-')
                {
                    var name = w.TrimStart('-');
                    if (!name.Contains('=') && withValue.Contains(name)) i++;
                    continue;
                }
                if (w.Length == 0) continue;
                result.Add(w);
            }
            return result;
        }

        /// <summary>The words after <c>--</c>.</summary>
        public List<string> AfterDoubleDash()
        {
            for (var i = start; i < words.Count; i++)
            {
                if (words[i] == "--") return words.Skip(i + 1).ToList();
            }
            return [];
        }
    }
}
