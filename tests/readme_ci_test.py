#!/usr/bin/env python3
"""The README's CI examples are exact: both YAML blocks of its "## CI" section parse, are
wired as GitHub Actions and GitLab read them (the SARIF file the scan writes is the one
upload-sarif uploads, even when the gate fails; the JUnit file the scan writes is the job's
junit report, kept when the job fails; the scan job gets the image archive the build job
saves), and their `imgbaseline scan` commands, run with the CLI under test on the sample
image (built with umoci and skopeo) saved as the archive name they use, give the gate's exit
status and a report of the right kind.

usage: readme_ci_test.py CLI SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

problems = []


def check(cond, msg):
    if not cond:
        problems.append(msg)
    return cond


def ci_blocks(readme):
    text = open(readme, encoding="utf-8").read()
    m = re.search(r"^## CI\n(.*?)^## ", text, re.S | re.M)
    if not m:
        sys.exit("README.md has no '## CI' section")
    return re.findall(r"```yaml\n(.*?)```", m.group(1), re.S)


def scan_command(script):
    """The `imgbaseline scan ...` command of a shell script (one line)."""
    for line in script.splitlines():
        line = line.strip().rstrip("'")
        if line.startswith("imgbaseline scan "):
            return shlex.split(line)
    return None


def option(argv, name):
    return argv[argv.index(name) + 1] if argv and name in argv else None


def run_scan(argv, cli, work, sample):
    """Run the README's scan in `work` with its archive name bound to the sample image."""
    archive = argv[2]
    shutil.copy(sample, os.path.join(work, archive))
    r = subprocess.run([cli] + argv[1:], cwd=work, capture_output=True, text=True)
    return r.returncode, r.stderr


def github(doc, cli, work, sample):
    check(doc.get("permissions", {}).get("security-events") == "write",
          "github: permissions.security-events must be write for upload-sarif")
    steps = doc["jobs"]["imgbaseline"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    check("docker save" in runs and "-o app.tar" in runs, "github: the image is not saved")
    argv = scan_command(runs)
    if not check(argv, "github: no imgbaseline scan command"):
        return
    check(option(argv, "--format") == "sarif", "github: the scan does not write SARIF")
    upload = [s for s in steps if str(s.get("uses", "")).startswith(
        "github/codeql-action/upload-sarif@")]
    if check(len(upload) == 1, "github: no upload-sarif step"):
        up = upload[0]
        check(up.get("with", {}).get("sarif_file") == option(argv, "-o"),
              "github: upload-sarif does not upload the file the scan writes")
        check("failure()" in str(up.get("if", "")),
              "github: upload-sarif is skipped when the gate fails")
    check("IMGBASELINE_DEB_URL" in runs, "github: the package URL is not used")
    rc, err = run_scan(argv, cli, work, sample)
    # the sample image has unignored high findings: the gate's status, a full report
    check(rc == 1, f"github: scan exited {rc} ({err.strip()})")
    sarif = json.load(open(os.path.join(work, option(argv, "-o"))))
    check(sarif.get("version") == "2.1.0" and sarif["runs"][0]["results"],
          "github: the SARIF report has no results")


def gitlab(doc, cli, work, sample):
    build, scan = doc.get("build-image", {}), doc.get("imgbaseline", {})
    check(doc.get("stages") == ["build", "scan"], "gitlab: stages")
    check("app.tar" in build.get("artifacts", {}).get("paths", []),
          "gitlab: the build job does not keep app.tar")
    check(scan.get("needs") == ["build-image"], "gitlab: the scan job does not need the build")
    argv = scan_command("\n".join(scan.get("script", [])))
    if not check(argv, "gitlab: no imgbaseline scan command"):
        return
    check(option(argv, "--format") == "junit", "gitlab: the scan does not write JUnit")
    arts = scan.get("artifacts", {})
    check(arts.get("reports", {}).get("junit") == option(argv, "-o"),
          "gitlab: the junit report is not the file the scan writes")
    check(arts.get("when") == "always", "gitlab: the report is dropped when the gate fails")
    rc, err = run_scan(argv, cli, work, sample)
    check(rc == 1, f"gitlab: scan exited {rc} ({err.strip()})")
    root = ET.parse(os.path.join(work, option(argv, "-o"))).getroot()
    check(root.tag == "testsuites" and int(root.get("failures")) > 0,
          "gitlab: the JUnit report has no failures")


def main():
    cli, src, work = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    subprocess.run(["bash", os.path.join(src, "tools/make-sample-image.sh"),
                    os.path.join(work, "img")], check=True, stdout=subprocess.DEVNULL)
    sample = os.path.join(work, "img", "sample-docker.tar")
    blocks = ci_blocks(os.path.join(src, "README.md"))
    if not check(len(blocks) == 2, f"{len(blocks)} YAML blocks in the CI section, expected 2"):
        blocks = (blocks + ["{}", "{}"])[:2]
    docs = [yaml.safe_load(b) for b in blocks]
    for name, fn, doc in (("github", github, docs[0]), ("gitlab", gitlab, docs[1])):
        d = os.path.join(work, name)
        os.makedirs(d)
        try:
            fn(doc, cli, d, sample)
        except (KeyError, TypeError, ValueError, OSError, ET.ParseError) as e:
            problems.append(f"{name}: {type(e).__name__}: {e}")
    for p in problems:
        print("FAIL:", p)
    print(f"{0 if problems else 1} passed, {1 if problems else 0} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
