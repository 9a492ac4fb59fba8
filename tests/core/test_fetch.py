"""`workbench data fetch` against a local HTTP server (127.0.0.1 only) serving small fixture files.

Each test writes its own files and a tiny manifest, so nothing here touches the network or the real
releases; the server records every request (path and Range header) and can drop a connection halfway,
ignore Range, or answer 404. The on-demand tests (issue 14) also serve ESCO zips built by
tests/esco_fixture.py, in the publisher's layout (/esco/download/<portal file name>) or a mirror's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
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
from workbench.data import data_manifest
from workbench.data import fetch as fetch_module
from workbench.data.data_manifest import MANIFEST, Archive, ManifestEntry, esco_url, esco_zip_name
from workbench.data.fetch import fetch
from workbench.data.local_sums import LOCAL_SUMS, read_local_sums
from workbench.data.settings import resolve_data_dir
from workbench.errors import WorkBenchError
from workbench.fronts.cli.main import main
from workbench.models.registry import load_model
from workbench.running.task import Task
from workbench.taskfiles.spec import parse_task_spec


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        state = self.server.state
        path = unquote(self.path.lstrip("/"))
        state["requests"].append((path, self.headers.get("Range")))
        if path in state["status"]:
            self.send_error(state["status"][path])
            return
        if path in state["redirect"]:  # back to itself: a loop
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = state["files"].get(path)
        if body is None:
            self.send_error(404)
            return
        try:
            if path in state["drip"]:
                return self._drip(body, *state["drip"][path])
            if path in state["no_length"]:
                return self._without_length(path, body, state["no_length"][path])
        except OSError:  # the client gave up and closed the connection
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

    def _drip(self, body: bytes, where: str, interval: float) -> None:
        """A hostile mirror: one byte every ``interval`` seconds, in the headers or in the body."""
        if where == "headers":
            self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
            for _ in range(len(body)):
                self.wfile.write(b"a")
                self.wfile.flush()
                time.sleep(interval)
            self.wfile.write(f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for i in range(len(body)):
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            time.sleep(interval)

    def _without_length(self, path: str, body: bytes, endless: bool) -> None:
        """A body delimited by the closing of the connection; ``endless``: garbage after it, up to ENDLESS bytes."""
        self.send_response(200)
        self.end_headers()
        sent = self.server.state["sent"]
        self.wfile.write(body)
        sent[path] = len(body)
        while endless and sent[path] < ENDLESS:
            self.wfile.write(b"\0" * (1 << 16))
            sent[path] += 1 << 16


ENDLESS = 256 << 20  # what "endless" sends at most, so that a test of the code before the fix ends too


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.state = {"files": {}, "requests": [], "ranges": True, "drop_once": set(), "drop_always": set()}
    httpd.state.update(status={}, redirect=set(), drip={}, no_length={}, sent={})
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


def test_an_archive_member_of_another_size_is_refused_before_it_is_inflated(server, tmp_path):
    bomb = b"\0" * (4 << 20)  # 4 MiB of zeros: a few KiB in the zip
    server.state["files"]["r.zip"] = _zip({"a.txt": bomb})
    entry = ManifestEntry("a.txt", sha(b"original"), archive=Archive(f"{server.base_url}/r.zip", "a.txt"), size=8)
    report = fetch(tmp_path, manifest=[entry], progress=False, retries=1, timeout=5)
    assert (
        status_of(report, "a.txt").detail == f"member 'a.txt' of r.zip holds {len(bomb)} bytes; the manifest records 8"
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
    # the sizes a download stops at are those of the publishers' bytes
    assert {e.path: e.size for e in MANIFEST} == {rel: (real_data_dir / rel).stat().st_size for rel in listed}


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


# ---------------------------------------------------------------- bounded downloads (issue 27)
def sized(entry: ManifestEntry, server) -> ManifestEntry:
    """The entry with the size the manifest records (the length of the publisher's bytes)."""
    return dataclasses.replace(entry, size=len(server.state["files"][entry.path]))


def timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_mirror_that_drips_is_given_up_at_the_deadline(server, tmp_path, monkeypatch, where):
    """One byte every 0.1 s: each read is quick, so a per-read timeout never fires; the whole file would
    take 4 s (the real case: one byte every 5 s, 13 days for 222 KB). WORKBENCH_FETCH_DEADLINE=1 ends it."""
    monkeypatch.setenv("WORKBENCH_FETCH_DEADLINE", "1")
    entry = serve(server, "slow.csv", b"x" * 40)
    server.state["drip"]["slow.csv"] = (where, 0.1)
    report, took = timed(lambda: run(server, tmp_path, [entry]))
    result = status_of(report, "slow.csv")
    assert result.status == "failed" and took < 2.5, (result, took)
    assert result.detail.startswith("no complete file within the deadline of 1 s (WORKBENCH_FETCH_DEADLINE)")
    assert not (tmp_path / "slow.csv").exists()
    part = tmp_path / "slow.csv.part"
    assert not part.exists() or part.stat().st_size < 40  # a prefix, kept to resume


def test_a_mirror_below_the_minimum_rate_is_cut_and_resumed(server, tmp_path):
    entry = serve(server, "slow.csv", b"y" * 40)
    server.state["drip"]["slow.csv"] = ("body", 0.05)
    limits = fetch_module.Limits(deadline_s=30, min_rate=1000, grace_s=0.3)
    report, took = timed(lambda: run(server, tmp_path, [entry], retries=1, limits=limits))
    result = status_of(report, "slow.csv")
    assert result.status == "failed" and took < 3, (result, took)
    assert result.detail.startswith("slower than the minimum average rate of 1000 B/s (WORKBENCH_FETCH_MIN_RATE): ")
    kept = (tmp_path / "slow.csv.part").stat().st_size
    assert 0 < kept < 40 and f"slow.csv.part kept ({kept} bytes): run again to resume" in result.detail
    assert server.state["requests"][1][1] is not None  # the second attempt resumed what the first received


def test_an_endless_body_without_length_stops_at_the_manifest_size(server, tmp_path):
    """No Content-Length and no end: the fetch stops one chunk past the size the manifest records and
    removes what it wrote; the file is not kept "to resume" (the real case: a 6.7 GB .part in 15 s)."""
    entry = sized(serve(server, "endless.csv", b"id,label\n1,chef\n"), server)
    server.state["no_length"]["endless.csv"] = True
    report, took = timed(lambda: run(server, tmp_path, [entry]))
    result = status_of(report, "endless.csv")
    assert result.status == "failed" and took < 5
    assert result.detail.startswith(
        "the server sent more than the 16 bytes the manifest records; endless.csv.part removed"
    ), result.detail
    assert server.state["sent"]["endless.csv"] < ENDLESS // 4  # the client hung up long before the end
    assert not (tmp_path / "endless.csv").exists() and no_part_files(tmp_path)
    assert len(server.state["requests"]) == 1  # bytes that cannot be right are not asked for again


def test_an_endless_body_of_unknown_size_stops_at_the_configured_cap(server, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_FETCH_MAX_BYTES", "100000")
    entry = serve(server, "unsized.zip", b"PK" + b"z" * 100)  # no size recorded (a mirror's own file)
    server.state["no_length"]["unsized.zip"] = True
    report, took = timed(lambda: run(server, tmp_path, [entry]))
    result = status_of(report, "unsized.zip")
    assert result.status == "failed" and took < 5
    assert result.detail.startswith(
        "the server sent more than 100000 bytes, the limit for a file of unknown size (WORKBENCH_FETCH_MAX_BYTES); "
        "unsized.zip.part removed"
    ), result.detail
    assert server.state["sent"]["unsized.zip"] < ENDLESS // 4
    assert not (tmp_path / "unsized.zip").exists() and no_part_files(tmp_path)


def test_a_body_without_length_of_the_right_size_is_accepted(server, tmp_path):
    entry = sized(serve(server, "plain.csv", BIG), server)
    server.state["no_length"]["plain.csv"] = False
    report = run(server, tmp_path, [entry])
    assert status_of(report, "plain.csv").status == "downloaded"
    assert (tmp_path / "plain.csv").read_bytes() == BIG and no_part_files(tmp_path)


def test_an_announced_length_other_than_the_manifest_size_is_refused_before_reading(server, tmp_path):
    entry = serve(server, "big.bin", BIG)
    entry = dataclasses.replace(entry, size=1000)  # the manifest's file is 1000 bytes; the server announces more
    report = run(server, tmp_path, [entry])
    result = status_of(report, "big.bin")
    assert result.status == "failed"
    assert result.detail.startswith(f"the server announces {len(BIG)} bytes; the manifest records 1000"), result.detail
    assert not (tmp_path / "big.bin").exists() and no_part_files(tmp_path)
    assert len(server.state["requests"]) == 1


def test_an_oversized_part_is_not_resumed(server, tmp_path):
    entry = sized(serve(server, "big.bin", BIG), server)
    (tmp_path / "big.bin.part").write_bytes(b"\0" * (len(BIG) + 5))  # longer than the file can be
    report = run(server, tmp_path, [entry])
    assert status_of(report, "big.bin").status == "downloaded"
    assert server.state["requests"] == [("big.bin", None)]  # asked from zero, no Range past the end
    assert (tmp_path / "big.bin").read_bytes() == BIG and no_part_files(tmp_path)


def test_http_500_says_the_server_fails_not_that_the_file_is_missing(server, tmp_path):
    entry = serve(server, "f.csv", b"a\n")
    server.state["status"]["f.csv"] = 500
    report = run(server, tmp_path, [entry], retries=1)
    detail = status_of(report, "f.csv").detail
    assert detail.startswith(f"HTTP 500 (server error) after 2 attempts for {server.base_url}/f.csv: ")
    assert "the server is failing; try again later" in detail and "does not have it" not in detail
    assert len(server.state["requests"]) == 2 and not list(tmp_path.iterdir())


def test_a_redirect_loop_is_named(server, tmp_path):
    entry = serve(server, "loop.csv", b"a\n")
    server.state["redirect"].add("loop.csv")
    report = run(server, tmp_path, [entry])
    detail = status_of(report, "loop.csv").detail
    assert detail.startswith(f"redirect loop at {server.base_url}/loop.csv (HTTP 302 back to an address already "), (
        detail
    )
    assert "\n" not in detail and "does not have it" not in detail
    assert len(server.state["requests"]) <= 11 and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "url, why",
    [
        ("127.0.0.1:8000", "expected http:// or https://"),
        ("ftp://mirror.example/data", "expected http:// or https://"),
        ("http://", "no host"),
        ("http://[::1/data", "Invalid IPv6 URL"),
        ("http://mirror.example:99999/data", "port"),
        ("http://mirror.example/data?x=1", "a query or fragment"),
        ("http://mirror.example/da ta", "a space or control character"),
    ],
)
def test_a_malformed_mirror_url_is_one_line(online, tmp_path, url, why):
    done = CliRunner().invoke(
        main, ["data", "fetch", "--data-dir", str(tmp_path / "d"), "--only", "onet/"], env={"WORKBENCH_DATA_URL": url}
    )
    assert done.exit_code == 2, done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert done.stderr.startswith(f"error: WORKBENCH_DATA_URL {url!r} is not a mirror URL: ") and why in done.stderr
    assert done.stderr.count("\n") == 1 and not (tmp_path / "d").exists()


def test_fetch_settings_are_checked(online, tmp_path):
    done = CliRunner().invoke(
        main,
        ["data", "fetch", "--data-dir", str(tmp_path), "--only", "onet/"],
        env={"WORKBENCH_FETCH_DEADLINE": "soon"},
    )
    assert done.exit_code == 2
    assert done.stderr == "error: WORKBENCH_FETCH_DEADLINE='soon': expected a number of seconds > 0\n"


# The two tests below need a file system that refuses writes. Unprivileged, a user namespace gives one
# (`unshare -r -m`: a read-only bind mount, a 256 KiB tmpfs); where that is not allowed they are skipped.
UNSPACED = "esco/v1.2.0/ESCO dataset - v1.2.0 - classification - de - csv.zip"  # any ESCO zip: no size pinned


def _namespace_or_skip() -> None:
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-r", "-m", "true"]).returncode != 0:
        pytest.skip("unshare -r -m (a user namespace) is not available here")


def _cli_in_namespace(setup: str, root: Path, args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """`workbench ARGS` after the shell ``setup`` (with $D = root) in a private mount namespace; then every
    file left under root is listed on stdout after a line '--- left:' (the mount ends with the namespace)."""
    script = f'{setup} || exit 99; "$@"; rc=$?; echo "--- left:"; find "$D" -type f; exit $rc'
    env = {**os.environ, "D": str(root), "WORKBENCH_CACHE_DIR": str(tmp_path / "cache"), "WORKBENCH_OFFLINE": "0"}
    env.pop("WORKBENCH_DATA_URL", None)
    command = ["unshare", "-r", "-m", "sh", "-c", script, "sh", sys.executable, "-m", "workbench.fronts.cli", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=env, cwd=Path(fetch_module.__file__).parents[1]
    )


@pytest.mark.parametrize("target", ["itself", "a new folder inside"])
def test_fetch_into_a_read_only_folder_is_one_line(server, tmp_path, target):
    _namespace_or_skip()
    server.state["files"][UNSPACED] = b"PK" + b"x" * 1000
    root = tmp_path / "ro"
    root.mkdir()
    data_dir = root if target == "itself" else root / "new"
    read_only = 'mount --bind "$D" "$D" && mount -o remount,bind,ro "$D" "$D"'
    args = ["data", "fetch", "--data-dir", str(data_dir), "--only", UNSPACED, "--base-url", server.base_url]
    done = _cli_in_namespace(read_only, root, args, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr == (
        f"error: cannot fetch into {data_dir}: Read-only file system; 1 file(s) to download need a writable "
        "data directory (--data-dir or WORKBENCH_DATA_DIR)\n"
    )
    assert server.state["requests"] == []  # nothing asked that could not be written


def test_a_full_disk_is_one_line_and_leaves_nothing(server, tmp_path):
    _namespace_or_skip()
    server.state["files"][UNSPACED] = b"PK" + bytes(range(256)) * 4096  # 1 MiB onto a 256 KiB file system
    root = tmp_path / "small"
    root.mkdir()
    tmpfs = 'mount -t tmpfs -o size=256k tmpfs "$D"'
    args = ["data", "fetch", "--data-dir", str(root), "--only", UNSPACED, "--base-url", server.base_url]
    done = _cli_in_namespace(tmpfs, root, args, tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    [line] = [x for x in done.stdout.splitlines() if x.startswith("failed")]
    part = root / (UNSPACED + ".part")
    assert f"disk full: cannot write {part} (No space left on device); removed it" in line, line
    left = done.stdout.split("--- left:\n", 1)[1].split()
    assert not any(name.endswith(".part") for name in left), left
    assert len(server.state["requests"]) == 1  # a full disk is not retried
