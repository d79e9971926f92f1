"""Command-line test of bad scenarios: every tests/bad/*.yaml must make
`wafersim run` and `wafersim validate` exit with status 65, print
"PATH:LINE:COL: message" as the first line of stderr (the position the
file's first line announces), and leave no output file behind.  A missing
scenario (or a directory), or a missing --smt2020 data set, must exit with
66.

Usage: python3 tests/bad_inputs_test.py WAFERSIM_BINARY SOURCE_DIR
(Debian's python3, standard library only; run by CTest.)
"""
import glob
import os
import resource
import subprocess
import sys
import tempfile

EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EXPECT = "# expect: "


def expectation(yaml_path):
    """(path, line, col, text) from the file's '# expect:' line; a route
    CSV's problem names the CSV, which sits next to the YAML."""
    with open(yaml_path, "rb") as f:
        first = f.readline().decode("utf-8").rstrip("\r\n")
    if not first.startswith(EXPECT):
        raise ValueError("first line is not '%s...'" % EXPECT)
    spec = first[len(EXPECT):]
    head, _, rest = spec.partition(":")
    if head.isdigit():
        path = yaml_path
        line, col, text = head, *rest.split(":", 1)
    else:
        # The loader joins the route path to the YAML's directory.
        path = os.path.join(os.path.dirname(yaml_path), head)
        line, col, text = rest.split(":", 2)
    return path, int(line), int(col), text.strip()


# Address space for `validate` of a bad input: a sane model needs little,
# so a reader that sizes an allocation from an absurd number (10^12 tools)
# fails here with 71 or a crash instead of 65.  Not for sanitizer builds,
# which reserve terabytes of shadow memory up front.
MEMORY_LIMIT = 128 * 1024 * 1024


def sanitized(binary):
    """Whether the binary is built with ASan or TSan: GCC links their
    runtimes dynamically, so look for the imported init symbols."""
    with open(binary, "rb") as f:
        data = f.read()
    return any(mark in data for mark in (b"__asan_init", b"__tsan_init",
                                         b"AddressSanitizer",
                                         b"ThreadSanitizer"))


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bad_inputs_test.py WAFERSIM_BINARY SOURCE_DIR")
    binary, source = sys.argv[1], sys.argv[2]
    bad_dir = os.path.join(source, "tests", "bad")
    limit = None if sanitized(binary) else limit_memory
    passed, failures = 0, []

    def check(name, ok, detail):
        nonlocal passed
        if ok:
            passed += 1
        else:
            failures.append("%s: %s" % (name, detail))

    files = sorted(glob.glob(os.path.join(bad_dir, "*.yaml")))
    check("catalogue", len(files) >= 20, "only %d bad files" % len(files))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x.h5")
        for path in files:
            name = os.path.basename(path)
            try:
                want_path, line, col, text = expectation(path)
            except ValueError as e:
                check(name, False, str(e))
                continue
            prefix = "%s:%d:%d: " % (want_path, line, col)
            for command in (["run", path, "-o", out, "-q"],
                            ["validate", path]):
                label = "%s (%s)" % (name, command[0])
                r = subprocess.run([binary] + command, capture_output=True,
                                   timeout=120,
                                   preexec_fn=limit if command[0] == "validate"
                                   else None)
                stderr = r.stderr.decode("utf-8", "replace")
                first = stderr.splitlines()[0] if stderr else ""
                problems = []
                if r.returncode != EX_DATAERR:
                    problems.append("exit status %d, expected %d"
                                    % (r.returncode, EX_DATAERR))
                if not first.startswith(prefix):
                    problems.append("stderr starts %r, expected %r"
                                    % (first, prefix))
                elif text not in first:
                    problems.append("message %r lacks %r" % (first, text))
                for leftover in (out, out + ".partial"):
                    if os.path.exists(leftover):
                        problems.append("left %s behind" % leftover)
                        os.unlink(leftover)
                check(label, not problems, "; ".join(problems))

        # The scenario file itself missing or not a file: 66, with the path.
        missing = os.path.join(tmp, "no-such-scenario.yaml")
        for target, why in ((missing, "No such file or directory"),
                            (tmp, "Is a directory")):
            for command in (["run", target, "-o", out, "-q"],
                            ["validate", target]):
                label = "%s (%s)" % (os.path.basename(target), command[0])
                r = subprocess.run([binary] + command, capture_output=True,
                                   timeout=120)
                stderr = r.stderr.decode("utf-8", "replace")
                want = "%s: cannot read: %s" % (target, why)
                problems = []
                if r.returncode != EX_NOINPUT:
                    problems.append("exit status %d, expected %d"
                                    % (r.returncode, EX_NOINPUT))
                if not stderr.startswith(want):
                    problems.append("stderr %r, expected %r" % (stderr, want))
                if os.path.exists(out) or os.path.exists(out + ".partial"):
                    problems.append("left an output file behind")
                check(label, not problems, "; ".join(problems))

        # An SMT2020 data set given on the command line that is not there
        # is missing input too (66), named by its path; a data set and a
        # scenario together are a usage error (64).
        missing_set = os.path.join(tmp, "no-such-data-set")
        for command in (["run", "--smt2020", missing_set, "-o", out, "-q"],
                        ["validate", "--smt2020", missing_set],
                        ["capacity", "--smt2020", missing_set]):
            label = "--smt2020 missing (%s)" % command[0]
            r = subprocess.run([binary] + command, capture_output=True,
                               timeout=120)
            stderr = r.stderr.decode("utf-8", "replace")
            problems = []
            if r.returncode != EX_NOINPUT:
                problems.append("exit status %d, expected %d"
                                % (r.returncode, EX_NOINPUT))
            if not stderr.startswith(missing_set + ": "):
                problems.append("stderr %r does not name %s"
                                % (stderr, missing_set))
            if os.path.exists(out) or os.path.exists(out + ".partial"):
                problems.append("left an output file behind")
            check(label, not problems, "; ".join(problems))
        # ... whereas the mini data set validates, named by its directory
        # (a trailing slash or not).
        mini = os.path.join(source, "tests", "data", "smt2020-mini") + "/"
        r = subprocess.run([binary, "validate", "--smt2020", mini],
                           capture_output=True, timeout=120)
        check("--smt2020 mini (validate)",
              r.returncode == 0 and r.stdout.decode().startswith(mini + ": ok"),
              "exit status %d, stdout %r" % (r.returncode, r.stdout))
        for command in (["run", files[0], "--smt2020", missing_set, "-q"],
                        ["validate", "--smt2020", missing_set, files[0]],
                        ["sweep", "--smt2020", missing_set]):
            label = "--smt2020 misused (%s)" % command[0]
            r = subprocess.run([binary] + command, capture_output=True,
                               timeout=120)
            check(label, r.returncode == EX_USAGE,
                  "exit status %d, expected %d" % (r.returncode, EX_USAGE))

    for f in failures:
        print("FAIL " + f)
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
