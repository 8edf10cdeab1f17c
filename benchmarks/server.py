"""The runbook server under load: 200 jobs started at once over the API and 50 live event streams.

    python benchmarks/server.py              # 1,000-VM lab, 200 jobs, 50 watchers, five runs
    python benchmarks/server.py --runs 1     # one run
    python benchmarks/server.py --quick      # 200 VMs, 40 jobs, 10 watchers

Each run starts `interlock server` in its own process (so the clients here never share its event
loop or its GIL) on a fresh INTERLOCK_HOME, a catalogue holding resources/examples/vm-checkpoint.json
and a generated simulated lab: N VMs in `jobs` batches (custom property 1), half Running and half
Stopped, 10 ms per operation. Then, at once: every batch's VM Checkpoint job is started (POST /jobs),
`watchers` clients follow the first jobs' event streams live (GET /jobs/{id}/events), a poller lists
the jobs (GET /jobs) until all have ended, and four more clients list the latest 20 jobs over and over
meanwhile, as consoles would; every GET /jobs is timed.

Reported per run: errors (failed requests, refused starts, jobs not ending `success`, broken streams:
must be 0), lost events (each watcher's live count against the job's stored events, replayed from 0
once the job has ended, and gaps in the event ids: must be 0), p50/p99 latency of GET /jobs while
the server is loaded, and jobs per second (200 jobs from the first start to the last end). Several
runs print the median and the spread.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # benchmarks/engine.py shadows

import httpx  # noqa: E402

from engine.server.client import AsyncClient  # noqa: E402
from nodes.backends.simulated.lab import Lab, LabVm, Latency, dump_lab  # noqa: E402

ROOT = HERE.parent
RUNBOOK = ROOT / "resources" / "examples" / "vm-checkpoint.json"
PYTHON = sys.executable
LATENCY_S = 0.01
READY_WITHIN_S = 30.0
FINISH_WITHIN_S = 600.0
IDLE_CALLS = 20
PROBES = 4  # clients listing the jobs over and over while the server is loaded


@dataclass
class Figures:
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    latencies: list[float] = field(default_factory=list)
    idle: list[float] = field(default_factory=list)  # GET /jobs on the idle server, for comparison
    jobs_per_s: float = 0.0
    events_watched: int = 0

    def line(self) -> str:
        p50, p99 = percentile(self.latencies, 50), percentile(self.latencies, 99)
        return (f"errors {len(self.errors)}, lost events {self.lost} (of {self.events_watched} watched), "
                f"GET /jobs p50 {p50 * 1000:.1f} ms p99 {p99 * 1000:.1f} ms "
                f"({len(self.latencies)} calls; idle p50 {percentile(self.idle, 50) * 1000:.1f} ms), "
                f"{self.jobs_per_s:.1f} jobs/s")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def generated_lab(vms: int, batches: int) -> Lab:
    machines = [LabVm(id=f"vm-{n:05d}", name=f"bench-vm-{n:05d}",
                      status="Running" if n % 2 == 0 else "Stopped", host=f"hv{n % 10 + 1:02d}",
                      custom_properties={"1": str(n % batches + 1)})
                for n in range(vms)]
    latency = Latency(get=LATENCY_S, start=LATENCY_S, stop=LATENCY_S, checkpoint=LATENCY_S,
                      maintenance=LATENCY_S)
    return Lab(vms=machines, latency_s=latency, time_scale=1.0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`interlock server` in its own process on a fresh home, catalogue and lab; an operator token."""

    def __init__(self, folder: Path, vms: int, batches: int) -> None:
        self.home = folder / "home"
        catalogue = folder / "catalogue"
        catalogue.mkdir(parents=True)
        shutil.copy(RUNBOOK, catalogue / RUNBOOK.name)
        (folder / "lab.json").write_text(dump_lab(generated_lab(vms, batches)), encoding="utf-8")
        config = folder / "interlock.toml"
        config.write_text(f'[engine]\nmax_parallel = 50\n\n[connections.default]\nkind = "simulated"\n'
                          f'lab = "{folder / "lab.json"}"\n', encoding="utf-8")
        self.env = {**os.environ, "INTERLOCK_HOME": str(self.home), "PYTHONPATH": str(ROOT)}
        self.token = self._interlock("server", "token", "create", "bench", "--role", "operator").strip()
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = (folder / "server.log").open("wb")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "engine.cli.main", "server", "--catalogue", str(catalogue), "--config",
             str(config), "--listen", self.url.removeprefix("http://")],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready(folder / "server.log")

    def _interlock(self, *args: str) -> str:
        done = subprocess.run([PYTHON, "-m", "engine.cli.main", *args], env=self.env, capture_output=True,
                              text=True, timeout=60)
        if done.returncode != 0:
            raise SystemExit(f"interlock {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout.splitlines()[-1] if done.stdout.strip() else ""

    def _wait_ready(self, log: Path) -> None:
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


async def watch(client: AsyncClient, job_id: str, figures: Figures) -> None:
    """Follow one job live, then compare with its stored events replayed from the start."""
    try:
        live = [event.id async for event in client.events(job_id)]
        stored = [event.id async for event in client.events(job_id, 0)]
    except Exception as exc:  # any failure is a figure of the run, not the end of the benchmark
        figures.errors.append(f"stream of {job_id}: {exc}")
        return
    figures.events_watched += len(live)
    figures.lost += max(0, len(stored) - len(live))
    gaps = sum(1 for a, b in itertools.pairwise(live) if b != a + 1)
    figures.lost += gaps


async def poll(client: AsyncClient, wanted: set[str], started: asyncio.Event, figures: Figures) -> float:
    """GET /jobs, timed, from the first start until every wanted job has ended; returns when the last
    one ended (monotonic). `wanted` is filled once every start has been answered (`started`)."""
    deadline = time.monotonic() + FINISH_WITHIN_S
    while time.monotonic() < deadline:
        began = time.perf_counter()
        try:
            jobs = await client.jobs(limit=len(wanted) + 10)
        except Exception as exc:
            figures.errors.append(f"GET /jobs: {exc}")
            await asyncio.sleep(0.2)
            continue
        figures.latencies.append(time.perf_counter() - began)
        ended = {job["job_id"]: job["status"] for job in jobs if job["status"] not in ("queued", "running")}
        if started.is_set() and wanted <= ended.keys():
            figures.errors.extend(f"job {j} ended {s}" for j, s in ended.items() if j in wanted and
                                  s != "success")
            return time.monotonic()
        await asyncio.sleep(0.02)
    figures.errors.append(f"jobs still running after {FINISH_WITHIN_S:.0f} s")
    return time.monotonic()


async def probe(client: AsyncClient, done: asyncio.Event, figures: Figures) -> None:
    """GET /jobs?limit=20, as a console showing the latest jobs, timed, until the jobs have ended."""
    while not done.is_set():
        began = time.perf_counter()
        try:
            await client.jobs(limit=20)
        except Exception as exc:
            figures.errors.append(f"GET /jobs: {exc}")
        else:
            figures.latencies.append(time.perf_counter() - began)
        await asyncio.sleep(0.02)


async def load(url: str, token: str, jobs: int, watchers: int) -> Figures:
    figures = Figures()
    limits = httpx.Limits(max_connections=jobs + watchers + 20, max_keepalive_connections=jobs + watchers)
    async with AsyncClient(url, token, limits=limits) as client:
        for _ in range(IDLE_CALLS):  # the same call before any job: what the load adds
            began = time.perf_counter()
            await client.jobs(limit=20)
            figures.idle.append(time.perf_counter() - began)
        started = asyncio.Event()
        job_ids: list[str] = []
        watching: list[asyncio.Task[None]] = []

        async def start(batch: int) -> None:
            try:
                answer = await client.start(RUNBOOK.name, {"Batch Number": str(batch)})
            except Exception as exc:
                figures.errors.append(f"start of batch {batch}: {exc}")
                return
            job_ids.append(answer["job_id"])
            if len(watching) < watchers:  # watch the first jobs started, from their first event
                watching.append(asyncio.create_task(watch(client, answer["job_id"], figures)))

        first = time.monotonic()
        poller_ids: set[str] = set()
        poller = asyncio.create_task(poll(client, poller_ids, started, figures))
        done = asyncio.Event()
        probes = [asyncio.create_task(probe(client, done, figures)) for _ in range(PROBES)]
        await asyncio.gather(*(start(batch) for batch in range(1, jobs + 1)))
        poller_ids.update(job_ids)
        started.set()
        last = await poller
        done.set()
        await asyncio.gather(*probes)
        await asyncio.gather(*watching)
        figures.jobs_per_s = len(job_ids) / (last - first)
    return figures


def one_run(vms: int, jobs: int, watchers: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="interlock-server-bench-") as folder:
        server = Server(Path(folder), vms, jobs)
        try:
            return asyncio.run(load(server.url, server.token, jobs, watchers))
        finally:
            server.stop()


def spread(values: list[float], unit: str, scale: float = 1.0, digits: int = 1) -> str:
    shown = [v * scale for v in values]
    return f"{statistics.median(shown):.{digits}f} {unit} ({min(shown):.{digits}f}-{max(shown):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="200 VMs, 40 jobs, 10 watchers")
    args = parser.parse_args()
    vms, jobs, watchers = (200, 40, 10) if args.quick else (1_000, 200, 50)
    print(f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}: {vms} VMs, {jobs} jobs, "
          f"{watchers} watchers, {args.runs} run(s)")
    runs = []
    for number in range(1, args.runs + 1):
        figures = one_run(vms, jobs, watchers)
        print(f"run {number}: {figures.line()}", flush=True)
        for error in figures.errors[:5]:
            print(f"  {error}")
        runs.append(figures)
    if len(runs) > 1:
        print(f"median (spread) of {len(runs)} runs: errors {sum(len(r.errors) for r in runs)}, lost events "
              f"{sum(r.lost for r in runs)}, GET /jobs p50 "
              f"{spread([percentile(r.latencies, 50) for r in runs], 'ms', 1000)}, p99 "
              f"{spread([percentile(r.latencies, 99) for r in runs], 'ms', 1000)}, "
              f"{spread([r.jobs_per_s for r in runs], 'jobs/s')}; idle GET /jobs p50 "
              f"{spread([percentile(r.idle, 50) for r in runs], 'ms', 1000)}")


if __name__ == "__main__":
    main()
