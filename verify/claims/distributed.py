"""The proof check split into tasks of one claim and one target, run in-process or on Dask.

``run_claims`` is what ``verify check`` and ``verify report`` call. Without ``workers``,
``scheduler`` or ``client`` (and without ``cache_dir``) it is ``run_claim`` for each claim with one
shared ``TargetCache`` — today's in-process run. Otherwise the work is cut into tasks, one per
(claim, target spec): a task evaluates every instance of the claim on that target (its grid of
schedules × predictors) and returns the rows as plain JSON data — verdicts, display floats, the
statistic and the claim's recorded values (``Claim.record``), never the workspace with its exact
arrays. The client merges each claim's rows in the fixed order of the target specs, which is the
order ``run_claim`` visits them, so the claim's summary, witnesses and JSON are the same whatever
the number of workers and whichever worker finished first. Witnesses are saved on the client: the
few chosen rows rebuild their exact instance from its specs (``check.row_instance``).

Tasks run on a ``dask.distributed`` cluster: ``workers=N`` starts a ``LocalCluster`` of N
single-threaded worker processes on this machine, ``scheduler=ADDRESS`` connects to a running
cluster whose workers have this project installed at the same version (checked at connection).
Each worker keeps a small cache of target workspaces, so a target's marginals and per-level forms
are computed once per worker for every claim that ranges over it; tasks are scheduled largest
target first (q^L), target-major within a size (every claim of one target, then the next
target) to keep that cache hot and the tail short. A worker lost mid-run
has its tasks re-run by the scheduler; tasks that raise are retried ``retries`` times.

``cache_dir`` is a content-addressed cache of finished tasks: the key hashes the claim's JSON, the
target spec, the profile, the precision cap and the code version (every source file of
``verify``, ``distributions`` and ``proofs_numeric``, and the numpy and python-flint versions); the
value is the task's rows with the exact sides of every verdict, signed with a per-user key and
decided again when read (``cache.py``: an entry that fails a check is recomputed, with one warning
line). An interrupted run started again with the same cache skips the tasks already done.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable

from ..output import atomic_write_text, sigint_held
from .check import ClaimResult, Row, TargetCache, _choose_witnesses, claim_rows, run_claim, summarize, target_specs
from .cache import TaskCache, sides_of
from .model import Claim
from ..errors import SpecError
from .instances import PROFILES, Workspace

# Row fields a task sends back (everything but the in-process instance).
ROW_FIELDS = tuple(f.name for f in fields(Row) if not f.name.startswith("_"))
WORKER_TARGETS = 16   # target workspaces a worker keeps between tasks


@dataclass(frozen=True)
class TaskProgress:
    """One finished task: ``done`` of ``total`` tasks (``from_cache`` of them read from the cache)."""

    done: int
    total: int
    from_cache: int
    claim: str
    target: str

    @property
    def remaining(self) -> int:
        return self.total - self.done


class StderrProgress:
    """Progress on stderr: a line at most every ``interval`` seconds, and the last one always."""

    def __init__(self, interval: float = 2.0, stream=None):
        self.interval = interval
        self.stream = stream
        self._last = float("-inf")

    def __call__(self, p: TaskProgress) -> None:
        now = time.monotonic()
        if p.done < p.total and now - self._last < self.interval:
            return
        self._last = now
        print(f"[tasks: {p.done}/{p.total} done, {p.remaining} remaining, {p.from_cache} from cache; "
              f"last {p.claim} on {p.target}]", file=self.stream or sys.stderr, flush=True)


# ------------------------------------------------------------------ rows as plain data

def row_to_json(row: Row) -> dict:
    """A Row as plain JSON data (no instance). JSON floats round-trip exactly (repr)."""
    return {name: getattr(row, name) for name in ROW_FIELDS}


def row_from_json(data: dict) -> Row:
    return Row(**{name: data[name] for name in ROW_FIELDS})


# ------------------------------------------------------------------ the task (runs on a worker)

class _WorkerTargets:
    """A worker's target workspaces: the ``TargetCache`` interface, least recently used evicted.

    Tasks on one target hold its lock while they run, so a multi-threaded worker never fills one
    workspace's lazy caches from two threads at once."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._ws: OrderedDict = OrderedDict()
        self._locks: dict = {}
        self._guard = threading.Lock()

    def lock(self, spec: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(spec, threading.Lock())

    def workspace(self, spec: str) -> Workspace:
        with self._guard:
            ws = self._ws.pop(spec, None)
            if ws is None:
                from distributions import parse_target

                ws = Workspace(parse_target(spec, exact=True))
            self._ws[spec] = ws
            while len(self._ws) > self.capacity:
                self._ws.popitem(last=False)
            return ws


_WORKER_TARGETS = _WorkerTargets(WORKER_TARGETS)


def run_task(claim: Claim, profile: str, spec: str, prec_cap: int = 4096, cache=None, sides: bool = True) -> dict:
    """Every instance of ``claim`` on target ``spec``: ``{"rows": [...], "sides": [...], "seconds": s}``,
    plain data (``sides``: the exact values of each verdict, ``cache.sides_of``; None per row
    with ``sides=False``, when no task cache will store them).

    ``cache``: a ``TargetCache`` to use (the in-process task runner shares one); on a worker, the
    worker's own workspace cache."""
    t0 = time.perf_counter()
    if claim.grid == "all-laws":  # decided once by the client (_Merger._merge), not per target
        return {"rows": [], "sides": [], "seconds": 0.0}
    if cache is None:
        with _WORKER_TARGETS.lock(spec):
            rows = claim_rows(claim, profile, _WORKER_TARGETS, targets=[spec], prec_cap=prec_cap)
    else:
        rows = claim_rows(claim, profile, cache, targets=[spec], prec_cap=prec_cap)
    # The exact sides travel too: the task cache stores them and re-decides every verdict from
    # them when the entry is read back (cache.py).
    return {"rows": [row_to_json(r) for r in rows],
            "sides": sides_of(rows, prec_cap) if sides else [None] * len(rows),
            "seconds": time.perf_counter() - t0}


# ------------------------------------------------------------------ content-addressed task cache

def code_version() -> str:
    """Hash of every source file of the engine, the zoo and the registry, and the numeric
    libraries' versions: a cached task is reused only by the code that computed it."""
    import flint
    import numpy

    import distributions
    import proofs_numeric

    h = hashlib.sha256()
    for pkg in (sys.modules[__package__.partition(".")[0]], distributions, proofs_numeric):
        root = Path(pkg.__file__).parent
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml")):
            h.update(str(path.relative_to(root.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(f"numpy {numpy.__version__}; python-flint {flint.__version__}".encode())
    return h.hexdigest()


def task_key(claim: Claim, profile: str, spec: str, prec_cap: int, version: str) -> str:
    """Content address of one task. The claim's source path is left out: its content is in the
    rest of the claim's JSON (a python side's body is in the code version)."""
    claim_json = {k: v for k, v in claim.to_json().items() if k != "source"}
    blob = json.dumps({"claim": claim_json, "profile": profile, "grid": PROFILES[profile], "target": spec,
                       "prec_cap": prec_cap, "code": version}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


# ------------------------------------------------------------------ running claims

@dataclass
class _Task:
    index: int          # position in the fixed merge order
    claim_index: int
    spec: str
    key: str


def run_claims(claims: list, profile: str = "ci", *, workers: int | None = None, scheduler: str | None = None,
               client=None, cache_dir=None, witness_dir=None, family: str | None = None,
               targets: list | None = None, prec_cap: int = 4096, retries: int = 2,
               progress: Callable | None = None, on_claim: Callable | None = None,
               write: bool = True) -> list:
    """Run ``claims`` on the profile's grid (or ``family`` / the given ``targets``); one ClaimResult each.

    Without ``workers``, ``scheduler``, ``client`` and ``cache_dir``: ``run_claim`` per claim, one
    shared target cache. Otherwise per-(claim, target) tasks: on a ``LocalCluster`` of ``workers``
    processes, on the cluster at ``scheduler``, on an existing ``client``'s cluster, or in this
    process when only ``cache_dir`` is given; finished tasks are read from / written to
    ``cache_dir``. ``progress(TaskProgress)`` is called after every task (after every claim in the
    plain in-process run); ``on_claim(ClaimResult)`` for each claim, in the order of ``claims``, as
    soon as it and all claims before it are done. ``ClaimResult.seconds`` of a task run is the sum
    of its tasks' compute times (as first computed, for cached tasks) plus the client's merge.
    ``write=False`` leaves the chosen witnesses in ``res.witness_files`` (the caller stages them).
    """
    if workers is not None and scheduler is not None:
        raise SpecError("--workers", "cannot be combined with --scheduler", "one of --workers N, --scheduler ADDRESS")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise SpecError("--workers", f"{workers!r} is not a number of workers", "an integer >= 1")
    if scheduler is not None:
        check_scheduler_address(scheduler)
    specs, per_claim = claim_specs(claims, profile, family, targets)
    if workers is None and scheduler is None and client is None and cache_dir is None:
        return _run_in_process(claims, profile, per_claim, witness_dir, prec_cap, progress, on_claim, write)

    cache = TaskCache(cache_dir, row_fields=ROW_FIELDS) if cache_dir is not None else None
    version = code_version()
    # Target-major (task index increases with the spec position): _Merger takes each claim's tasks in that order.
    # (a claim with its own targets has tasks on those only; the others on the zoo)
    mine = [set(p) for p in per_claim]
    tasks = [_Task(0, ci, spec, task_key(c, profile, spec, prec_cap, version))
             for spec in specs for ci, c in enumerate(claims) if spec in mine[ci]]
    for n, t in enumerate(tasks):
        t.index = n
    results: dict = {}
    merger = _Merger(claims, profile, [[t.index for t in tasks if t.claim_index == ci] for ci in range(len(claims))],
                     witness_dir, on_claim, write)
    tracker = _Tracker(len(tasks), progress)

    def finished(task: _Task, value: dict, cached: bool) -> None:
        if cache is not None and not cached:
            cache.put(task.key, value)
        results[task.index] = {"rows": value["rows"], "seconds": value["seconds"]}  # sides: cache only
        tracker.step(claims[task.claim_index].id, task.spec, cached)
        merger.task_done(task.claim_index, results)

    for ci in range(len(claims)):  # no target in the claim's grid: complete, with no rows
        if not merger.task_indices[ci]:
            merger.complete(ci, results)
    todo = []
    counts: dict = {}
    for t in tasks:
        hit = None
        if cache is not None:
            claim = claims[t.claim_index]
            hit = cache.get(t.key, claim.relation, prec_cap, expected_rows=instance_count(claim, profile, t.spec, counts))
        if hit is not None:
            finished(t, hit, True)
        else:
            todo.append(t)
    if cache is not None and cache.warning():
        print(cache.warning(), file=sys.stderr, flush=True)
    if todo:
        if workers is None and scheduler is None and client is None:
            shared = TargetCache()
            for n, t in enumerate(todo):
                finished(t, run_task(claims[t.claim_index], profile, t.spec, prec_cap, cache=shared), False)
                if n + 1 == len(todo) or todo[n + 1].spec != t.spec:
                    # Tasks are target-major and their rows travel as plain data: no later task
                    # uses this target, and nothing else holds its workspace.
                    shared.release(t.spec)
        else:
            _run_on_cluster(todo, claims, profile, prec_cap, retries, workers, scheduler, client, version, finished,
                            sides=cache is not None)
    return merger.results()


def claim_specs(claims: list, profile: str, family: str | None, targets: list | None) -> tuple:
    """(every target spec of the run in merge order, [the specs of each claim]): given ``targets``
    serve every claim (as before); else a claim with its own ``targets`` runs on them and every
    other claim on the profile's zoo (never on another claim's own targets)."""
    from .check import own_targets

    if targets is not None:
        return list(targets), [list(targets)] * len(claims)
    zoo = target_specs(profile, family, [c for c in claims if not own_targets(c)])
    per_claim = [[t for t in own_targets(c) if family is None or t.split(":", 1)[0] == family]
                 if own_targets(c) else zoo for c in claims]
    specs = list(zoo)
    seen = set(specs)
    for p in per_claim:
        for t in p:
            if t not in seen:
                seen.add(t)
                specs.append(t)
    return specs, per_claim


def instance_count(claim: Claim, profile: str, spec: str, memo: dict | None = None) -> int:
    """How many instances (rows) ``claim`` has on target ``spec`` — what ``check.instances``
    yields, counted from the target's length alone (no exact law is built)."""
    from distributions import parse_target

    from .check import admits, is_profile
    from .instances import expand_predictors, grid_schedules

    if claim.grid == "all-laws" or not admits(claim, profile, spec):
        return 0  # an all-law claim has no per-target instance: it is decided once (run_task)
    if is_profile(claim):  # the claim's samplers, or its grid's, at the target's L (no law built)
        from .profile_instances import _plan, instance_specs

        return len(instance_specs(claim, _plan(spec.strip()).L))
    memo = {} if memo is None else memo
    L = memo.get(("L", spec))
    if L is None:
        L = memo[("L", spec)] = parse_target(spec).L
    n_preds = len(expand_predictors(claim.predictors, profile))
    key = (claim.grid, L, n_preds)
    if key not in memo:
        memo[key] = sum(n_preds if sched is not None else 1 for sched, _ in grid_schedules(claim.grid, L))
    return memo[key]


def _run_in_process(claims, profile, per_claim, witness_dir, prec_cap, progress, on_claim, write=True) -> list:
    cache = TargetCache()
    cache.plan_release(claims, profile, per_claim=per_claim)  # a target is dropped after its last claim
    out = []
    for n, c in enumerate(claims):
        res = run_claim(c, profile, cache, witness_dir=witness_dir, prec_cap=prec_cap, targets=per_claim[n],
                        write=write)
        cache.claim_done(n, res)
        out.append(res)
        if progress is not None:
            progress(TaskProgress(n + 1, len(claims), 0, c.id, "all targets"))
        if on_claim is not None:
            on_claim(res)
    return out


class _Tracker:
    def __init__(self, total: int, progress):
        self.total, self.progress = total, progress
        self.done = self.cached = 0

    def step(self, claim_id: str, spec: str, cached: bool) -> None:
        self.done += 1
        self.cached += cached
        if self.progress is not None:
            self.progress(TaskProgress(self.done, self.total, self.cached, claim_id, spec))


class _Merger:
    """Builds each claim's result once all its tasks are in, rows in the order of the specs."""

    def __init__(self, claims, profile, task_indices, witness_dir, on_claim, write=True):
        self.claims, self.profile, self.task_indices = claims, profile, task_indices
        self.witness_dir, self.on_claim, self.write = witness_dir, on_claim, write
        self.pending = [len(ix) for ix in task_indices]
        self.done: dict = {}
        self.announced = 0

    def task_done(self, claim_index: int, results: dict) -> None:
        self.pending[claim_index] -= 1
        if not self.pending[claim_index]:
            self.complete(claim_index, results)

    def complete(self, claim_index: int, results: dict) -> None:
        n_claims = len(self.claims)
        # The claim's tasks in target-major order (the order of its specs); merged rows replace them.
        values = [results.pop(k) for k in self.task_indices[claim_index]]
        self.done[claim_index] = self._merge(self.claims[claim_index], values)
        while self.announced < n_claims and self.announced in self.done:
            if self.on_claim is not None:
                self.on_claim(self.done[self.announced])
            self.announced += 1

    def _merge(self, claim: Claim, values: list) -> ClaimResult:
        if claim.grid == "all-laws":  # no target: its tasks ran nothing; decided once, here
            return run_claim(claim, self.profile, witness_dir=self.witness_dir, write=self.write)
        t0 = time.perf_counter()
        res = ClaimResult(claim, self.profile)
        res.set_rows([row_from_json(r) for v in values for r in v["rows"]])
        res.summary = summarize(claim, res.rows, self.profile)
        if self.witness_dir is not None:
            _choose_witnesses(res, Path(self.witness_dir))
            if self.write:
                for path, text in res.witness_files:
                    atomic_write_text(path, text)
                res.witness_files = []
        res.seconds = sum(v["seconds"] for v in values) + time.perf_counter() - t0
        return res

    def results(self) -> list:
        return [self.done[i] for i in range(len(self.claims))]


SCHEDULER_ACCEPTED = ("the address of a running dask scheduler: tcp://HOST:PORT or HOST:PORT, e.g. "
                      "tcp://10.0.0.5:8786 (other protocols, such as tls://, need a security "
                      "configuration this command cannot take)")
CONNECT_TIMEOUT = "10s"   # bounded: an unreachable scheduler is one line after this long


def check_scheduler_address(address) -> str:
    """``address`` if it is a plain TCP address ``[tcp://]HOST:PORT`` (1 <= PORT <= 65535), else a
    SpecError naming ``--scheduler``: checked before any work, so a bad address costs nothing."""
    import re

    from ..errors import shorten

    if not isinstance(address, str) or not address or len(address) > 300:
        raise SpecError("--scheduler", f"{shorten(repr(address))} is not an address", SCHEDULER_ACCEPTED)
    m = re.fullmatch(r"(?:([A-Za-z][A-Za-z0-9+.-]*)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})", address)
    if m is None:
        raise SpecError("--scheduler", f"{shorten(repr(address))} is not HOST:PORT", SCHEDULER_ACCEPTED)
    if m.group(1) not in (None, "tcp"):
        raise SpecError("--scheduler", f"protocol {m.group(1)!r} of {shorten(repr(address))} is not supported",
                        SCHEDULER_ACCEPTED)
    if not 1 <= int(m.group(3)) <= 65535:
        raise SpecError("--scheduler", f"port {m.group(3)} of {shorten(repr(address))} is out of range",
                        SCHEDULER_ACCEPTED)
    return address


@contextmanager
def _workers_deaf_to_ctrl_c():
    """While a local cluster lives, its worker processes start with Ctrl-C ignored.

    Ctrl-C at a terminal reaches the whole process group: worker processes still importing would
    each print a KeyboardInterrupt traceback (dozens of lines for one keypress). The client alone
    answers it (one line, exit 130) and the nannies stop the workers when the cluster closes.
    An ignored signal stays ignored across exec, and a Python started with SIGINT ignored leaves
    it so. The workers of the start inherit it from ``_sigint_ignored``; any worker spawned later
    (a nanny restarting a lost one) goes through this two-line shell wrapper, which ignores
    SIGINT and execs the real interpreter. (Blocking SIGINT in the spawning thread's mask did not
    work: the threads distributed spawns from had an empty mask, as measured here.)"""
    import multiprocessing.spawn as mp_spawn
    import shlex
    import shutil
    import subprocess

    if os.name != "posix" or not os.path.exists("/bin/sh"):
        yield
        return
    real = mp_spawn.get_executable()
    folder = tempfile.mkdtemp(prefix="verify-workers-")
    try:
        wrapper = Path(folder) / "python"
        wrapper.write_text(f"#!/bin/sh\ntrap '' INT\nexec {shlex.quote(os.fsdecode(real))} \"$@\"\n")
        wrapper.chmod(0o700)
        # Tried once: a temporary folder mounted noexec would otherwise stop every worker.
        usable = subprocess.run([str(wrapper), "-c", "pass"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        usable = False
    if usable:
        mp_spawn.set_executable(str(wrapper))
    try:
        yield
    finally:
        if usable:
            mp_spawn.set_executable(real)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _sigint_ignored():
    """Ctrl-C ignored (process-wide) while the local cluster starts its workers.

    The workers spawned meanwhile inherit the ignored disposition from the moment they exist (the
    wrapper of ``_workers_deaf_to_ctrl_c`` leaves a few instructions of /bin/sh before its trap,
    where a Ctrl-C kills the starting worker: "Nanny failed to start"), and a half-started
    cluster would fail its own close with a traceback. The cost: a Ctrl-C pressed during those
    seconds is lost — press it again once the tasks run (docs/distributed.md)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _quiet_distributed() -> None:
    """After an interrupt: the cluster's shutdown chatter (lost comms, cancelled tasks) is noise."""
    import logging

    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _connect(scheduler: str):
    from distributed import Client

    try:
        # set_as_default=False: the caller's own default client (if any) stays the default.
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        raise SpecError("--scheduler", f"cannot connect to {scheduler!r} ({' '.join(str(err).split())[:200]})",
                        SCHEDULER_ACCEPTED) from None


def _run_on_cluster(todo, claims, profile, prec_cap, retries, workers, scheduler, client, version, finished,
                    sides: bool = True) -> None:
    from distributed import Client, LocalCluster, as_completed

    owned = []  # what this call started, closed at the end (in this order)
    interrupted = local = False
    deaf = None
    try:
        if client is None:
            if scheduler is not None:
                client = _connect(scheduler)
                owned.append(client)
            else:
                import dask

                # The workers' statistical profiler costs about a sixth of their CPU on this
                # workload and nobody reads it here (no dashboard).
                deaf = _workers_deaf_to_ctrl_c()
                deaf.__enter__()
                with dask.config.set({"distributed.worker.profile.enabled": False}), _sigint_ignored():
                    # silence_logs=CRITICAL (in the workers too): closing a busy cluster on Ctrl-C
                    # makes workers warn ("Async instruction … ended with CancelledError") and even
                    # log errors ("Failed to communicate with scheduler during heartbeat"). A task
                    # that fails reaches the client, which reports it; the workers need not.
                    # The scheduler's HTTP server (health routes) on a free port, no dashboard:
                    # the default port 8787 taken by another cluster is a warning on stderr.
                    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.CRITICAL,
                                           scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"})
                    owned.insert(0, cluster)
                    local = True
                    client = Client(cluster, set_as_default=False)
                    owned.insert(0, client)
                    # The local scheduler lives in this process and turns on distributed's GC
                    # diagnosis, a gc callback: a Ctrl-C landing inside it printed "Exception
                    # ignored in … GCDiagnosis._gc_callback". Nobody reads its warnings here.
                    from distributed.gc import disable_gc_diagnosis

                    disable_gc_diagnosis(force=True)
        _check_versions(client, version, "--scheduler" if scheduler is not None else "--workers")
        by_key: dict = {}
        futures = []
        # Largest targets first (their tasks are the longest: a short tail), target-major within a
        # size. Only the schedule depends on this; the merge order does not.
        size = {spec: _joint_size(spec) for spec in {t.spec for t in todo}}
        ordered = sorted(todo, key=lambda t: (-size[t.spec], t.index))
        # Ctrl-C is held while submitting: one landing inside ``Future.__init__`` leaves a half-made
        # future whose ``__del__`` prints "Exception ignored … no attribute '_cleared'".
        with sigint_held():
            _submit_all(client, ordered, claims, profile, prec_cap, sides, retries, by_key, futures)
        try:
            # loop=client.loop: the futures' events belong to this client's event loop. Without
            # it, as_completed waits on the *default* client's loop: when the caller has a client
            # of its own (another loop), a future waited on there and then read here raised
            # "... is bound to a different event loop".
            for fut in as_completed(futures, loop=client.loop):
                finished(by_key[fut.key], fut.result(), False)
                fut.release()
        except KeyboardInterrupt:
            if not local:  # someone else's cluster: leave it idle. Ours is about to close anyway,
                client.cancel(futures)  # and cancelling makes each busy worker log a warning.
            raise
        except BaseException:
            client.cancel(futures)
            raise
    except KeyboardInterrupt:
        _quiet_distributed()
        interrupted = True
        raise
    finally:
        # After a Ctrl-C, further presses are ignored until the cluster is closed: an interrupted
        # close leaves the cluster to distributed's exit hook, which prints a traceback.
        calm = _sigint_ignored() if interrupted else nullcontext()
        with calm:
            _close_all(owned, deaf, interrupted)


def _submit_all(client, ordered, claims, profile, prec_cap, sides, retries, by_key, futures) -> None:
    """One future per task, highest priority first (``ordered``)."""
    for rank, t in enumerate(ordered):
        fut = client.submit(run_task, claims[t.claim_index], profile, t.spec, prec_cap, sides=sides,
                            key=f"verify-task-{t.key}", retries=retries, pure=False,
                            priority=len(ordered) - rank)
        by_key[fut.key] = t
        futures.append(fut)


def _close_all(owned: list, deaf, interrupted: bool) -> None:
    """Close what ``_run_on_cluster`` started (client, then cluster), then drop the workers'
    wrapper. After an interrupt a failure to close is noise: the interrupt is the story."""
    try:
        for obj in owned:
            try:
                obj.close()
            except Exception:
                if not interrupted:
                    raise
    finally:
        if deaf is not None:
            deaf.__exit__(None, None, None)


def _joint_size(spec: str) -> int:
    """q^L of a target (float mode: cheap), the scale of every task on it."""
    from distributions import parse_target, plan_spec

    try:
        plan = plan_spec(spec)  # no law built: a profile claim's target may be far beyond enumeration
        return plan.q ** plan.L
    except SpecError:
        t = parse_target(spec)
        return t.q ** t.L


def _check_versions(client, version: str, option: str) -> None:
    """Refuse workers that would compute with other code (their rows would not be this version's)."""
    accepted = "workers with this project installed at the same version"
    try:
        client.wait_for_workers(1, timeout=60)
    except TimeoutError:
        raise SpecError(option, "no worker joined the cluster within 60 s", "a cluster with at least one worker") from None
    try:
        seen = client.run(code_version)
    except Exception as err:  # e.g. ModuleNotFoundError: the project is not installed there
        raise SpecError(option, f"the workers cannot run the check ({type(err).__name__}: {err})", accepted) from None
    bad = {addr: v for addr, v in seen.items() if v != version}
    if bad:
        addr = sorted(bad)[0]
        raise SpecError(option, f"worker {addr} runs other code (version {bad[addr][:12]} vs {version[:12]})", accepted)
