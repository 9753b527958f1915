"""Load and fault runs of the local server (``credit serve``), loopback only (issue 21, Figures).

Each scenario starts a fresh server on 127.0.0.1, sends single-application scores from
``--concurrency`` keep-alive client threads for ``--seconds`` and, for the middle third of the
run, injects a fault:

* ``baseline``: no fault (request log in a folder);
* ``unwritable``: the log folder's day partition replaced by a file (root ignores chmod), then
  put back;
* ``frozen``: the log service stops answering (a loopback endpoint that accepts connections and
  never replies), then answers again. The endpoint speaks enough of S3 (``PUT /bucket/key``) and
  of Data Firehose (``PutRecord``/``PutRecordBatch``) for either code: ``--frozen-log s3`` for
  code that logs to S3, ``firehose`` for code that puts to a delivery stream;
* ``bundle``: the served bundle changed on disk (a new version behind ``current.json``, the
  served version's model file overwritten), then restored.

For each: requests answered, 5xx, p50/p99 (whole run and during the fault), decisions answered
vs records found (in the sink, plus the ``request_log_fallback`` lines of the server's log):
lost (answered, no record) and doubled (a record twice), and the time to recover (from the end
of the fault to the first record in the sink again). The server is stopped with SIGTERM before
counting, so a queued log is flushed. ``--code`` runs another checkout's code (its ``lambda``,
``monitoring`` and ``training`` folders first on PYTHONPATH) with this environment: how the
"before" column is measured (``git worktree add /tmp/before main``).

    make bench-faults                          # 20 s per scenario, 8 clients
    python bench/faults_bench.py --bundle data/bundles --seconds 60 --concurrency 16
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

KEY = "bench-faults-key"
SCENARIOS = ("baseline", "unwritable", "frozen", "bundle")


# ---------------------------------------------------------------- the log service endpoint


class LogService:
    """A loopback S3/Firehose stand-in: stores what it accepts; ``frozen`` it accepts
    connections and answers nothing (what it receives meanwhile is not stored)."""

    def __init__(self) -> None:
        self.records: list[tuple[float, bytes]] = []  # (arrival, one JSON line)
        self.frozen = threading.Event()
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _body(self) -> bytes:
                n = int(self.headers.get("content-length", 0))
                body = self.rfile.read(n)
                if "aws-chunked" in self.headers.get("content-encoding", ""):
                    body = _unchunk(body)
                return body

            def _hang(self) -> bool:
                if not service.frozen.is_set():
                    return False
                while service.frozen.is_set():
                    time.sleep(0.05)
                self.close_connection = True  # the client gave up long ago
                return True

            def do_PUT(self) -> None:  # S3 PutObject
                body = self._body()
                if self._hang():
                    return
                service._store(body.splitlines())
                self._answer(b"", {"ETag": '"0"'})

            def do_POST(self) -> None:  # Firehose (JSON 1.1 protocol)
                target = self.headers.get("x-amz-target", "")
                doc = json.loads(self._body() or b"{}")
                if self._hang():
                    return
                if target.endswith("PutRecordBatch"):
                    data = [base64.b64decode(r["Data"]) for r in doc["Records"]]
                    service._store([line for d in data for line in d.splitlines()])
                    answers = [{"RecordId": uuid.uuid4().hex} for _ in data]
                    out = {"FailedPutCount": 0, "Encrypted": False, "RequestResponses": answers}
                elif target.endswith("PutRecord"):
                    data = base64.b64decode(doc["Record"]["Data"])
                    service._store(data.splitlines())
                    out = {"RecordId": uuid.uuid4().hex, "Encrypted": False}
                else:
                    out = {}
                self._answer(
                    json.dumps(out).encode(), {"content-type": "application/x-amz-json-1.1"}
                )

            def _answer(self, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _store(self, lines: list[bytes]) -> None:
        now = time.time()
        with self.lock:
            self.records += [(now, line) for line in lines if line.strip()]

    def close(self) -> None:
        self.frozen.clear()
        self.server.shutdown()


def _unchunk(body: bytes) -> bytes:
    """The payload of an ``aws-chunked`` body (size;chunk-signature CRLF data CRLF ..., trailers)."""
    out, i = bytearray(), 0
    while i < len(body):
        end = body.index(b"\r\n", i)
        size = int(body[i:end].split(b";")[0], 16)
        if size == 0:
            break
        out += body[end + 2 : end + 2 + size]
        i = end + 2 + size + 2
    return bytes(out)


# ---------------------------------------------------------------- the server under test


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    out: Path

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)  # graceful: a queued log is flushed
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_server(code: Path, bundle: Path, log_uri: str, env: dict[str, str], out: Path) -> Server:
    port = _free_port()
    paths = [str(code / d) for d in ("lambda", "monitoring", "training")]
    environ = (
        os.environ
        | env
        | {
            "CREDIT_API_KEY": KEY,
            "PYTHONPATH": os.pathsep.join(paths),
            "BUNDLE_CACHE_DIR": str(out.parent / "cache"),
            "POWERTOOLS_METRICS_DISABLED": "true",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-3",
        }
    )
    cmd = [sys.executable, "-m", "credit_core.cli", "serve", "--bundle", str(bundle)]
    cmd += ["--port", str(port), "--log-uri", log_uri]
    with out.open("wb") as sink:
        proc = subprocess.Popen(cmd, env=environ, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(proc, port, out)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {out.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError("server did not start")


def example(port: int) -> dict:
    """The application the docs show (a valid one, built from the bundle's contract)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/openapi.json")
    doc = json.loads(conn.getresponse().read())
    body = doc["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]
    return body.get("example") or next(iter(body["examples"].values()))["value"]


# ---------------------------------------------------------------- load


@dataclass
class Result:
    start: float  # time.time()
    ms: float
    status: int
    request_id: str | None


def load(port: int, app: dict, seconds: float, clients: int) -> list[Result]:
    stop = time.monotonic() + seconds
    results: list[list[Result]] = [[] for _ in range(clients)]
    headers = {"content-type": "application/json", "x-api-key": KEY}

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while time.monotonic() < stop:
            n += 1
            body = json.dumps(app | {"SK_ID_CURR": 100000 + i * 1_000_000 + n}).encode()
            t0, w0 = time.perf_counter(), time.time()
            try:
                conn.request("POST", "/v1/score", body, headers)
                r = conn.getresponse()
                payload = r.read()
                rid = json.loads(payload).get("request_id") if r.status == 200 else None
                status = r.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, rid = 0, None  # no answer (timeout, reset)
            results[i].append(Result(w0, (time.perf_counter() - t0) * 1000, status, rid))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted((r for rs in results for r in rs), key=lambda r: r.start)


# ---------------------------------------------------------------- faults


@dataclass
class Fault:
    """What a scenario does at the start and at the end of the fault window."""

    begin: object = None
    end: object = None
    window: list[float] = field(default_factory=list)  # [start, end], time.time()


def day_partition(root: Path) -> Path:
    return root / time.strftime("dt=%Y-%m-%d", time.gmtime())


def unwritable(root: Path) -> Fault:
    part, aside = day_partition(root), root / "aside"

    def begin() -> None:
        part.mkdir(parents=True, exist_ok=True)
        part.rename(aside)
        part.write_text("not a folder")

    def end() -> None:
        part.unlink()
        aside.rename(part)

    return Fault(begin, end)


def bundle_change(bundle: Path) -> Fault:
    pointer = bundle / "current.json"
    served = json.loads(pointer.read_text())["version"]
    saved = {p: p.read_bytes() for p in (bundle / served).iterdir() if p.is_file()}
    model = bundle / served / "model.txt"

    def begin() -> None:
        shutil.copytree(bundle / served, bundle / "999", dirs_exist_ok=True)
        pointer.write_text(json.dumps({"version": "999"}))
        model.write_bytes(b"tampered")

    def end() -> None:
        for p, data in saved.items():
            p.write_bytes(data)
        pointer.write_text(json.dumps({"version": served}))
        shutil.rmtree(bundle / "999", ignore_errors=True)

    return Fault(begin, end)


def run_with_fault(port: int, app: dict, seconds: float, clients: int, fault: Fault):
    def schedule() -> None:
        time.sleep(seconds / 3)
        fault.window.append(time.time())
        if fault.begin:
            fault.begin()
        time.sleep(seconds / 3)
        if fault.end:
            fault.end()
        fault.window.append(time.time())

    timer = threading.Thread(target=schedule)
    timer.start()
    results = load(port, app, seconds, clients)
    timer.join()
    return results


# ---------------------------------------------------------------- counting


def folder_records(root: Path) -> list[tuple[float, bytes]]:
    out = []
    for path in root.rglob("*.jsonl"):
        mtime = path.stat().st_mtime
        out += [(mtime, line) for line in path.read_bytes().splitlines() if line.strip()]
    return out


def fallback_records(log: Path) -> list[bytes]:
    out = []
    for line in log.read_bytes().splitlines():
        if b'"request_log_fallback"' in line:
            try:
                out.append(json.dumps(json.loads(line)["record"]).encode())
            except (ValueError, KeyError):
                continue
    return out


def summarise(
    name: str,
    results: list[Result],
    sink: list[tuple[float, bytes]],
    fallback: list[bytes],
    window: list[float],
    seconds: float,
) -> dict:
    answered = [r for r in results if r.status == 200]
    keys = [(json.loads(line)["request_id"], json.loads(line)["item"]) for _, line in sink]
    keys += [(json.loads(line)["request_id"], json.loads(line)["item"]) for line in fallback]
    seen: dict[tuple[str, int], int] = {}
    for k in keys:
        seen[k] = seen.get(k, 0) + 1
    ids = {(r.request_id, 0) for r in answered}
    during = [r.ms for r in answered if window and window[0] <= r.start < window[1]]
    recover = None
    if window:
        after = [t for t, _ in sink if t >= window[1]]
        recover = round(min(after) - window[1], 2) if after else None

    def pct(values: list[float], q: int) -> float | None:
        if len(values) < 2:
            return round(values[0], 1) if values else None
        return round(statistics.quantiles(values, n=100)[q - 1], 1)

    ms = [r.ms for r in answered]
    return {
        "scenario": name,
        "answered": len(answered),
        "req_per_s": round(len(answered) / seconds, 1),
        "5xx": sum(500 <= r.status < 600 for r in results),
        "no_answer": sum(r.status == 0 for r in results),
        "p50_ms": pct(ms, 50),
        "p99_ms": pct(ms, 99),
        "fault_p50_ms": pct(during, 50),
        "fault_p99_ms": pct(during, 99),
        "records_in_sink": len(sink),
        "records_fallback": len(fallback),
        "lost": len(ids - set(seen)),
        "doubled": sum(n - 1 for n in seen.values() if n > 1),
        "recorded_not_answered": len(set(seen) - ids),
        "recover_s": recover,
    }


# ---------------------------------------------------------------- main


def scenario(args: argparse.Namespace, name: str, work: Path) -> dict:
    work.mkdir(parents=True)
    bundle = work / "bundle"
    shutil.copytree(args.bundle, bundle)
    logs = work / "requests"
    service = LogService()
    env = {"LOG_BREAKER_COOLDOWN_SECONDS": str(args.cooldown)}
    log_uri = str(logs)
    if name == "frozen":
        if args.frozen_log == "s3":
            env["AWS_ENDPOINT_URL_S3"] = service.url
            log_uri = "s3://requests/log"
        else:
            env["AWS_ENDPOINT_URL_FIREHOSE"] = service.url
            log_uri = "firehose://credit-decisions"
    server = start_server(args.code, bundle, log_uri, env, work / "server.log")
    try:
        app = example(server.port)
        fault = Fault()
        if name == "unwritable":
            fault = unwritable(logs)
        elif name == "frozen":
            fault = Fault(service.frozen.set, service.frozen.clear)
        elif name == "bundle":
            fault = bundle_change(bundle)
        results = run_with_fault(server.port, app, args.seconds, args.concurrency, fault)
        window = fault.window if name != "baseline" else []
    finally:
        server.stop()
        service.close()
    sink = service.records if name == "frozen" else folder_records(logs)
    return summarise(name, results, sink, fallback_records(server.out), window, args.seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=Path("data/bundles"))
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="per scenario (60: the issue's)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--frozen-log", choices=("firehose", "s3"), default="firehose")
    parser.add_argument("--cooldown", type=float, default=5.0, help="LOG_BREAKER_COOLDOWN_SECONDS")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--out", type=Path, default=None, help="JSON lines of the results")
    args = parser.parse_args()
    if not (args.bundle / "current.json").is_file():
        print(f"no bundle at {args.bundle} (make export)", file=sys.stderr)
        return 2
    names = [n for n in args.scenarios.split(",") if n]
    if unknown := set(names) - set(SCENARIOS):
        print(f"--scenarios: unknown {sorted(unknown)}; choose from {SCENARIOS}", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="faults-bench-") as tmp:
        for name in names:
            row = scenario(args, name, Path(tmp) / name)
            row["code"] = str(args.code)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
