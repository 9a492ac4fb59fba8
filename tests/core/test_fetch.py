"""`workbench data fetch` against a local HTTP server (127.0.0.1 only) serving small fixture files.

Each test writes its own files and a tiny manifest, so nothing here touches the network or the real
releases; the server records every request (path and Range header) and can drop a connection halfway,
ignore Range, or answer 404. The on-demand tests (issue 14) also serve ESCO zips built by
tests/esco_fixture.py, in the publisher's layout (/esco/download/<portal file name>) or a mirror's.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import yaml
from click.testing import CliRunner

from esco_fixture import (
    CLASSIFICATION_ZIP,
    ESCO_VERSION_DIR,
    RELATIONS_ZIP,
    classification_zip,
    write_esco_language,
    write_esco_release,
)
from workbench import data_manifest
from workbench import fetch as fetch_module
from workbench.cli import main
from workbench.data_manifest import MANIFEST, Archive, ManifestEntry, esco_url, esco_zip_name
from workbench.datafiles import LOCAL_SUMS, read_local_sums
from workbench.errors import WorkBenchError
from workbench.fetch import fetch
from workbench.registry import load_model
from workbench.settings import resolve_data_dir
from workbench.spec import parse_task_spec
from workbench.task import Task


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        state = self.server.state
        path = unquote(self.path.lstrip("/"))
        state["requests"].append((path, self.headers.get("Range")))
        body = state["files"].get(path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        wanted = self.headers.get("Range")
        if wanted and state["ranges"]:
            match = re.fullmatch(r"bytes=(\d+)-", wanted)
            start = int(match.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if path in state["drop_once"] or path in state["drop_always"]:
            state["drop_once"].discard(path)
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return  # the server closes the socket: the client sees a short body
        self.wfile.write(payload)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.state = {"files": {}, "requests": [], "ranges": True, "drop_once": set(), "drop_always": set()}
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    httpd.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(fetch_module, "BACKOFF_S", 0.0)


def serve(server, path: str, data: bytes, *, page: str = "https://publisher.example/page") -> ManifestEntry:
    server.state["files"][path] = data
    return ManifestEntry(path=path, sha256=sha(data), url=f"https://publisher.example/{path}", page=page)


def run(server, data_dir, entries, **kwargs):
    kwargs.setdefault("base_url", server.base_url)
    kwargs.setdefault("retries", 2)
    return fetch(data_dir, manifest=entries, progress=False, timeout=5, **kwargs)


def status_of(report, path):
    return next(r for r in report.results if r.path == path)


def no_part_files(root: Path) -> bool:
    return not list(root.rglob("*.part"))


BIG = bytes(range(256)) * 400  # 100 KiB: several read chunks


def test_full_download_checksum_ok(server, tmp_path):
    entries = [serve(server, "a/one.csv", b"id,label\n1,chef\n"), serve(server, "b/c/two bytes.bin", BIG)]
    report = run(server, tmp_path / "data", entries)
    assert [r.status for r in report.results] == ["downloaded", "downloaded"]
    assert (tmp_path / "data/a/one.csv").read_bytes() == b"id,label\n1,chef\n"
    assert (tmp_path / "data/b/c/two bytes.bin").read_bytes() == BIG
    assert report.ok and no_part_files(tmp_path)
    assert [r[1] for r in server.state["requests"]] == [None, None]


def test_dropped_connection_resumes_with_range(server, tmp_path):
    entry = serve(server, "big.bin", BIG)
    server.state["drop_once"].add("big.bin")
    report = run(server, tmp_path, [entry])
    assert status_of(report, "big.bin").status == "resumed"
    assert (tmp_path / "big.bin").read_bytes() == BIG
    requests = server.state["requests"]
    assert len(requests) == 2
    assert requests[0][1] is None
    assert requests[1][1] == f"bytes={len(BIG) // 2}-"
    assert no_part_files(tmp_path)


def test_server_without_range_restarts_from_zero(server, tmp_path):
    server.state["ranges"] = False
    entry = serve(server, "big.bin", BIG)
    server.state["drop_once"].add("big.bin")
    report = run(server, tmp_path, [entry])
    assert status_of(report, "big.bin").status == "downloaded"  # 200 to a Range request: restarted
    assert (tmp_path / "big.bin").read_bytes() == BIG
    assert server.state["requests"][1][1] == f"bytes={len(BIG) // 2}-"
    assert no_part_files(tmp_path)


def test_wrong_checksum_is_refused_and_leaves_nothing(server, tmp_path):
    entry = serve(server, "x.csv", b"tampered\n")
    expected = sha(b"the publisher's bytes\n")
    entry = ManifestEntry(path=entry.path, sha256=expected, url=entry.url, page=entry.page)
    report = run(server, tmp_path, [entry])
    result = status_of(report, "x.csv")
    assert result.status == "failed"
    assert result.detail.startswith(f"checksum mismatch: expected {expected} got {sha(b'tampered' + bytes([10]))}")
    assert not (tmp_path / "x.csv").exists()
    assert no_part_files(tmp_path)
    assert len(server.state["requests"]) == 1  # fresh bytes that are wrong are not fetched again


def test_stale_part_with_other_bytes_is_redone_from_zero(server, tmp_path):
    entry = serve(server, "big.bin", BIG)
    (tmp_path / "big.bin.part").write_bytes(b"\xff" * 1000)  # left by a run against an older release
    report = run(server, tmp_path, [entry])
    assert status_of(report, "big.bin").status == "downloaded"
    assert (tmp_path / "big.bin").read_bytes() == BIG
    assert [r[1] for r in server.state["requests"]] == ["bytes=1000-", None]
    assert no_part_files(tmp_path)


def test_network_failure_keeps_part_and_next_run_resumes(server, tmp_path):
    entry = serve(server, "big.bin", BIG)
    server.state["drop_always"].add("big.bin")
    report = run(server, tmp_path, [entry], retries=1)
    failed = status_of(report, "big.bin")
    kept = len(BIG) // 2 + (len(BIG) - len(BIG) // 2) // 2  # half, then half of the rest on the resumed try
    assert failed.status == "failed"
    assert failed.detail.startswith(
        f"connection closed after {kept} of {len(BIG)} bytes after 2 attempts; "
        f"big.bin.part kept ({kept} bytes): run again to resume"
    )
    assert not (tmp_path / "big.bin").exists() and (tmp_path / "big.bin.part").stat().st_size == kept
    server.state["drop_always"].clear()
    server.state["requests"].clear()
    report = run(server, tmp_path, [entry])
    assert status_of(report, "big.bin").status == "resumed"
    assert server.state["requests"] == [("big.bin", f"bytes={kept}-")]
    assert (tmp_path / "big.bin").read_bytes() == BIG and no_part_files(tmp_path)


def test_404_is_explained_and_others_still_fetched(server, tmp_path):
    good = serve(server, "good.csv", b"ok\n")
    gone = ManifestEntry(
        path="gone/file.csv",
        sha256=sha(b"x"),
        url="https://publisher.example/gone",
        page="https://publisher.example/downloads",
    )
    later = serve(server, "later.csv", b"later\n")
    # Direct URLs of this manifest point at the local server (no base_url): the 404 names the publisher.
    local = [
        ManifestEntry(e.path, e.sha256, url=f"{server.base_url}/{e.path}", page=e.page) for e in (good, gone, later)
    ]
    report = fetch(tmp_path, manifest=local, progress=False, retries=2, timeout=5)
    failed = status_of(report, "gone/file.csv")
    assert failed.status == "failed"
    assert failed.detail == (
        f"HTTP 404 for {server.base_url}/gone/file.csv: the publisher moved it; download manually "
        f"from https://publisher.example/downloads to {tmp_path.resolve() / 'gone/file.csv'}"
    )
    assert status_of(report, "good.csv").status == "downloaded"
    assert status_of(report, "later.csv").status == "downloaded"
    assert len([r for r in server.state["requests"] if r[0] == "gone/file.csv"]) == 1  # 404 is not retried
    assert not (tmp_path / "gone").exists() or not any((tmp_path / "gone").iterdir())


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_archive_members_extracted_and_hostile_names_refused(server, tmp_path):
    good, other = b"Title\tCode\nchef\t1\n", b"readme\n"
    server.state["files"]["release.zip"] = _zip(
        {"db_1/Good.txt": good, "db_1/Read Me.txt": other, "../evil.txt": b"pwned", "db_1/x.txt": b"x"}
    )
    url = f"{server.base_url}/release.zip"
    root = tmp_path / "data"
    entries = [
        ManifestEntry("rel/Good.txt", sha(good), archive=Archive(url, "db_1/Good.txt")),
        ManifestEntry("rel/Read Me.txt", sha(other), archive=Archive(url, "db_1/Read Me.txt")),
        ManifestEntry("rel/evil.txt", sha(b"pwned"), archive=Archive(url, "../evil.txt")),
        ManifestEntry("rel/abs.txt", sha(b"x"), archive=Archive(url, "/etc/passwd")),
        ManifestEntry("../outside.txt", sha(b"x"), archive=Archive(url, "db_1/x.txt")),
        ManifestEntry("rel/missing.txt", sha(b"x"), archive=Archive(url, "db_1/missing.txt"), page="https://p.example"),
    ]
    report = fetch(root, manifest=entries, progress=False, retries=1, timeout=5)
    assert (root / "rel/Good.txt").read_bytes() == good
    assert (root / "rel/Read Me.txt").read_bytes() == other
    assert status_of(report, "rel/Good.txt").status == "downloaded"
    assert "unsafe archive member '../evil.txt'" in status_of(report, "rel/evil.txt").detail
    assert "unsafe archive member '/etc/passwd'" in status_of(report, "rel/abs.txt").detail
    assert "unsafe path" in status_of(report, "../outside.txt").detail
    assert "not in release.zip" in status_of(report, "rel/missing.txt").detail
    assert not (tmp_path / "evil.txt").exists() and not (root / "evil.txt").exists()
    assert not (tmp_path / "outside.txt").exists() and not (root / "rel/evil.txt").exists()
    assert server.state["requests"] == [("release.zip", None)]  # one download for all members
    assert not (root / fetch_module.ARCHIVE_DIR).exists() and no_part_files(tmp_path)


def test_archive_member_with_wrong_checksum_is_refused(server, tmp_path):
    server.state["files"]["r.zip"] = _zip({"a.txt": b"changed"})
    entry = ManifestEntry("a.txt", sha(b"original"), archive=Archive(f"{server.base_url}/r.zip", "a.txt"))
    report = fetch(tmp_path, manifest=[entry], progress=False, retries=1, timeout=5)
    assert status_of(report, "a.txt").detail.startswith(
        f"checksum mismatch: expected {sha(b'original')} got {sha(b'changed')}"
    )
    assert not (tmp_path / "a.txt").exists() and no_part_files(tmp_path)


def test_present_file_skipped_without_request_and_wrong_copy_replaced(server, tmp_path):
    ok = serve(server, "ok.csv", b"same\n")
    stale = serve(server, "stale.csv", b"new release\n")
    (tmp_path / "ok.csv").write_bytes(b"same\n")
    (tmp_path / "stale.csv").write_bytes(b"edited by hand\n")
    report = run(server, tmp_path, [ok, stale])
    assert status_of(report, "ok.csv").status == "skipped"
    assert status_of(report, "stale.csv").status == "downloaded"
    assert (tmp_path / "stale.csv").read_bytes() == b"new release\n"
    assert server.state["requests"] == [("stale.csv", None)]
    again = run(server, tmp_path, [ok, stale])
    assert [r.status for r in again.results] == ["skipped", "skipped"]
    assert len(server.state["requests"]) == 1


def test_manual_entries_listed_not_failed_and_only_filter(server, tmp_path):
    manual = ManifestEntry(
        "esco/v1/x.zip",
        sha(b"z"),
        page="https://portal.example/download",
        manual=True,
        instructions="fill in the form on https://portal.example/download",
    )
    csv = serve(server, "onet/a.csv", b"a\n")
    txt = serve(server, "onet/b.txt", b"b\n")
    report = fetch(tmp_path, manifest=[manual, csv, txt], progress=False, retries=1, timeout=5)  # no base_url
    assert status_of(report, "esco/v1/x.zip").status == "manual"
    assert "portal.example" in status_of(report, "esco/v1/x.zip").detail
    report = run(server, tmp_path, [manual, csv, txt], only="onet/*.csv")
    assert [r.path for r in report.results] == ["onet/a.csv"]
    report = run(server, tmp_path, [manual, csv, txt], only=["onet/"], dry_run=True)
    assert [(r.path, r.status) for r in report.results] == [("onet/a.csv", "skipped"), ("onet/b.txt", "would download")]
    assert [r[0] for r in server.state["requests"]] == ["onet/a.csv"]  # dry run sent nothing


def test_cli_prints_one_line_per_file_and_exits_1_on_failure(server, tmp_path, monkeypatch):
    entries = (
        serve(server, "f/a.csv", b"a\n"),
        ManifestEntry("f/missing.csv", sha(b"m"), url="https://publisher.example/m", page="https://publisher.example"),
        ManifestEntry(
            "f/manual.zip", sha(b"z"), manual=True, page="https://portal.example", instructions="use the form"
        ),
    )
    monkeypatch.setattr(data_manifest, "MANIFEST", entries)
    root = tmp_path / "new-data"
    runner = CliRunner()
    dry = runner.invoke(main, ["data", "fetch", "--data-dir", str(root), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert server.state["requests"] == []
    result = runner.invoke(main, ["data", "fetch", "--data-dir", str(root), "--base-url", server.base_url])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("downloaded") and lines[0].split()[1] == "f/a.csv"
    assert lines[1].startswith("failed") and "HTTP 404" in lines[1] and "the mirror does not have it" in lines[1]
    assert lines[2].startswith("failed")  # a mirror is asked for manual files too; this one lacks it
    assert "1 downloaded, 2 failed" in lines[-1]
    assert (root / "SHA256SUMS").read_text().count("\n") == 3  # `workbench data verify` can check the folder
    ok = runner.invoke(main, ["data", "fetch", "--data-dir", str(root), "--only", "f/a.csv"])
    assert ok.exit_code == 0 and ok.stdout.startswith("skipped")


def test_manifest_covers_every_release_file_with_pinned_sources():
    paths = [e.path for e in MANIFEST]
    assert len(paths) == len(set(paths)) == 327
    for entry in MANIFEST:
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
        if entry.path.startswith("esco/"):  # the publisher's download folder, file name URL-quoted
            assert entry.url == "https://ec.europa.eu/esco/download/" + quote(entry.path.rsplit("/", 1)[1])
        elif entry.archive is not None:
            assert entry.archive.url.startswith("https://www.onetcenter.org/") and entry.archive.member
        else:
            # GitHub files are pinned to a commit, never to a branch that can move
            assert re.match(r"https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/", entry.url), entry.url
    assert not any(e.manual for e in MANIFEST)
    assert esco_url(esco_zip_name("1.1.1", "")) == (
        "https://ec.europa.eu/esco/download/ESCO%20dataset%20-%20v1.1.1%20-%20classification%20-%20%20-%20csv.zip"
    )


@pytest.mark.data
def test_manifest_matches_the_shared_release_checksums(real_data_dir):
    listed = {}
    for line in (real_data_dir / "SHA256SUMS").read_text().splitlines():
        digest, _, rel = line.partition("  ")
        listed[rel.removeprefix("./")] = digest
    assert {e.path: e.sha256 for e in MANIFEST} == listed


# ---------------------------------------------------------------- on demand (issue 14)
V2 = "esco/v1.2.0"
V2_CLASSIFICATION = f"{V2}/ESCO dataset - v1.2.0 - classification - en - csv.zip"
V2_RELATIONS = f"{V2}/ESCO dataset - v1.2.0 - classification -  - csv.zip"


@pytest.fixture
def online(monkeypatch, tmp_path):
    """Fetching allowed (tests/conftest.py turns it off), a private cache, no mirror, no data directory set."""
    monkeypatch.setenv("WORKBENCH_OFFLINE", "0")
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WORKBENCH_DATA_URL", raising=False)
    monkeypatch.delenv("WORKBENCH_DATA_DIR", raising=False)


@pytest.fixture
def publisher(server, monkeypatch, tmp_path):
    """The local server in the ESCO publisher's layout: every zip under /esco/download/<portal file name>."""
    monkeypatch.setattr(data_manifest, "ESCO_DOWNLOAD", f"{server.base_url}/esco/download/")
    release = write_esco_release(tmp_path / "publisher")
    write_esco_language(tmp_path / "publisher", "de")
    zips = {
        CLASSIFICATION_ZIP: (release / CLASSIFICATION_ZIP).read_bytes(),
        RELATIONS_ZIP: (release / RELATIONS_ZIP).read_bytes(),
        classification_zip("de"): (release / classification_zip("de")).read_bytes(),
    }
    # the same bytes under a version the manifest does not know
    for name, data in list(zips.items()):
        zips[name.replace("v1.1.1", "v1.2.0")] = data
    for name, data in zips.items():
        server.state["files"][f"esco/download/{name}"] = data
    return zips


def _skillnorm_v2() -> dict:
    """The shipped esco-skillnorm task file, on ESCO v1.2.0 (a version the manifest does not list)."""
    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "tasks" / "esco-skillnorm.yaml").read_text())
    data.update(name="skillnorm-v2", suites=[])
    data["source"]["files"] = {"classification": V2_CLASSIFICATION, "relations": V2_RELATIONS}
    return data


def test_default_data_dir_is_a_per_user_folder(online, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_data_dir() == (tmp_path / "xdg" / "workbench" / "data").resolve()
    assert (tmp_path / "xdg" / "workbench" / "data").is_dir()
    with pytest.raises(WorkBenchError, match="does not exist"):  # a folder the user names must exist
        resolve_data_dir(tmp_path / "typo")


def test_esco_of_any_version_comes_from_the_publisher_and_its_checksum_is_recorded(online, server, publisher, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    task = Task(parse_task_spec(_skillnorm_v2(), origin="skillnorm-v2"), data_dir=root)
    result = task.evaluate(load_model("tfidf"), split="full", progress=False)
    names = [V2_CLASSIFICATION.rsplit("/", 1)[1], V2_RELATIONS.rsplit("/", 1)[1]]
    assert sorted(path for path, _ in server.state["requests"]) == sorted(f"esco/download/{n}" for n in names)
    expected = {V2_CLASSIFICATION: sha(publisher[names[0]]), V2_RELATIONS: sha(publisher[names[1]])}
    assert read_local_sums(root) == expected  # recorded at first download ...
    assert result.data_files == expected  # ... and written into the result file like every data checksum
    assert (root / LOCAL_SUMS).read_text().startswith(f"{expected[V2_RELATIONS]}  ./{V2_RELATIONS}\n")
    assert no_part_files(root)

    server.state["requests"].clear()
    assert Task(task.spec, data_dir=root).data_checksums == expected
    assert server.state["requests"] == []  # present: nothing asked again

    (root / V2_CLASSIFICATION).write_bytes(publisher[names[0]] + b"\0")  # the file changes after its download
    with pytest.raises(WorkBenchError) as err:
        _ = Task(task.spec, data_dir=root).data_checksums
    assert f"differs from {expected[V2_CLASSIFICATION]}, recorded in {root.resolve() / LOCAL_SUMS}" in str(err.value)


def test_mirror_and_default_folder_make_a_first_run_work(online, server, tmp_path, monkeypatch):
    """`workbench run` with no data directory anywhere: the per-user folder is filled from the mirror
    (WORKBENCH_DATA_URL), exactly the files the task needs, each checked against the manifest."""
    release = write_esco_release(tmp_path / "mirror")
    pinned = []
    for name in (CLASSIFICATION_ZIP, RELATIONS_ZIP):
        pinned.append(serve(server, f"{ESCO_VERSION_DIR}/{name}", (release / name).read_bytes()))
    pinned.append(serve(server, "onet/29.2/Skills.xlsx", b"not needed\n"))
    monkeypatch.setattr(data_manifest, "MANIFEST", tuple(pinned))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WORKBENCH_DATA_URL", server.base_url)
    out = tmp_path / "results"
    done = CliRunner().invoke(
        main,
        [
            "run",
            "--model",
            "tfidf",
            "--tasks",
            "esco-skillnorm",
            "--split",
            "test",
            "--output",
            str(out),
            "--no-progress",
        ],
    )
    assert done.exit_code == 0, done.output
    data = tmp_path / "xdg" / "workbench" / "data"
    assert sorted(server.state["requests"]) == sorted((e.path, None) for e in pinned[:2])
    assert all((data / e.path).read_bytes() == server.state["files"][e.path] for e in pinned[:2])
    assert "1 written" in done.stdout and not (data / LOCAL_SUMS).exists()  # pinned files need no record

    server.state["files"][pinned[0].path] = b"the mirror serves other bytes"  # a bad mirror is caught
    (data / pinned[0].path).unlink()
    done = CliRunner().invoke(
        main,
        [
            "run",
            "--model",
            "tfidf",
            "--tasks",
            "esco-skillnorm",
            "--split",
            "test",
            "--output",
            str(out),
            "--no-progress",
        ],
    )
    assert done.exit_code == 1 and f"checksum mismatch: expected {pinned[0].sha256}" in done.output
    assert not (data / pinned[0].path).exists()


def test_no_fetch_names_the_files_and_the_command(online, server, publisher, tmp_path, monkeypatch):
    root = tmp_path / "data"
    root.mkdir()
    out = tmp_path / "results"
    spec_file = tmp_path / "skillnorm-v2.yaml"
    spec_file.write_text(yaml.safe_dump(_skillnorm_v2()), encoding="utf-8")
    args = [
        "run",
        "--model",
        "tfidf",
        "--tasks",
        str(spec_file),
        "--split",
        "test",
        "--output",
        str(out),
        "--data-dir",
        str(root),
        "--no-progress",
    ]
    for extra, env in ((["--no-fetch"], {}), ([], {"WORKBENCH_OFFLINE": "1"})):
        done = CliRunner().invoke(main, args + extra, env=env)
        assert done.exit_code == 1
        assert (
            f"task skillnorm-v2: 2 file(s) missing in the data directory {root.resolve()}: {V2_RELATIONS}, "
            f"{V2_CLASSIFICATION}; fetching is off (--no-fetch or WORKBENCH_OFFLINE=1). Get them with: workbench data "
            f"fetch --data-dir {root.resolve()} --only '{V2_RELATIONS}' --only '{V2_CLASSIFICATION}'"
        ) in done.output
    assert server.state["requests"] == []
    # the command it names gets exactly them, from the publisher's URL pattern
    done = CliRunner().invoke(
        main, ["data", "fetch", "--data-dir", str(root), "--only", V2_CLASSIFICATION, "--only", V2_RELATIONS]
    )
    assert done.exit_code == 0, done.output
    assert f"sha256 {sha(publisher[V2_RELATIONS.rsplit('/', 1)[1]])} recorded in {LOCAL_SUMS}" in done.output
    done = CliRunner().invoke(main, args + ["--no-fetch"])
    assert done.exit_code == 0, done.output


def test_data_fetch_any_language_and_the_recorded_checksum_is_checked_later(online, server, publisher, tmp_path):
    root = tmp_path / "data"
    path = f"{ESCO_VERSION_DIR}/{classification_zip('de')}"
    first = CliRunner().invoke(main, ["data", "fetch", "--data-dir", str(root), "--only", path])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(f"downloaded     {path}")
    assert read_local_sums(root) == {path: sha(publisher[classification_zip("de")])}
    assert server.state["requests"] == [(f"esco/download/{classification_zip('de')}", None)]  # the portal's name
    # the publisher replaces the file: a later fetch refuses bytes other than the recorded ones
    server.state["files"][f"esco/download/{classification_zip('de')}"] = b"a silently changed release"
    (root / path).unlink()
    again = CliRunner().invoke(main, ["data", "fetch", "--data-dir", str(root), "--only", path])
    assert (
        again.exit_code == 1
        and "checksum mismatch: expected " + sha(publisher[classification_zip("de")]) in again.output
    )
    assert not (root / path).exists()
    other = CliRunner().invoke(main, ["data", "fetch", "--data-dir", str(root), "--only", "esco/v1.1.1/notes.txt"])
    assert other.exit_code == 2 and "matches no file of the manifest" in other.output


def test_listing_and_validating_never_download(online, server, tmp_path, monkeypatch):
    release = write_esco_release(tmp_path / "mirror")
    pinned = tuple(
        serve(server, f"{ESCO_VERSION_DIR}/{name}", (release / name).read_bytes())
        for name in (CLASSIFICATION_ZIP, RELATIONS_ZIP)
    )
    monkeypatch.setattr(data_manifest, "MANIFEST", pinned)
    monkeypatch.setenv("WORKBENCH_DATA_URL", server.base_url)
    root = tmp_path / "data"
    root.mkdir()
    listed = CliRunner().invoke(main, ["tasks", "list", "--suite", "workbench-core", "--data-dir", str(root)])
    assert listed.exit_code == 0 and "task(s) without sizes" in listed.stderr
    task_file = tmp_path / "esco-skillnorm.yaml"
    task_file.write_text((Path(__file__).resolve().parents[2] / "tasks" / "esco-skillnorm.yaml").read_text())
    checked = CliRunner().invoke(main, ["tasks", "validate", str(task_file), "--data-dir", str(root)])
    assert checked.exit_code == 2
    assert f"2 file(s) missing in the data directory {root.resolve()}" in checked.stderr
    assert server.state["requests"] == [] and not list(root.iterdir())


def test_a_file_that_failed_is_not_fetched_again_in_the_same_run(online, server, tmp_path, monkeypatch):
    """Three tasks need the same two ESCO zips and the mirror has neither: the first task asks for each
    once, the others fail at once naming the same files; the next run asks again."""
    monkeypatch.setenv("WORKBENCH_DATA_URL", server.base_url)
    root = tmp_path / "data"
    root.mkdir()
    args = ["run", "--model", "tfidf", "--tasks", "esco-skillnorm,esco-jobnorm,esco-skill2job"]
    args += ["--output", str(tmp_path / "results"), "--data-dir", str(root), "--no-progress"]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 1, done.output
    zips = sorted(f"{ESCO_VERSION_DIR}/{name}" for name in (CLASSIFICATION_ZIP, RELATIONS_ZIP))
    assert sorted(path for path, _ in server.state["requests"]) == zips
    failed = {
        line.split(":")[1].split("/")[1].strip(): line
        for line in done.output.splitlines()
        if line.startswith("  failed: tfidf / ")
    }
    assert sorted(failed) == ["esco-jobnorm", "esco-skill2job", "esco-skillnorm"]
    assert "earlier in this run" not in failed["esco-skillnorm"]
    for task in ("esco-jobnorm", "esco-skill2job"):
        assert f"2 file(s) could not be fetched into {root.resolve()} earlier in this run (not retried)" in failed[task]
    assert all(done.output.count(name) >= 3 for name in zips)  # every task names both files and why
    CliRunner().invoke(main, args)
    assert len(server.state["requests"]) == 4  # a new run tries again
