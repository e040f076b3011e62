"""``stylecam render IN OUT --ray [ADDRESS]``: the same render, chunked over a Ray cluster.

The driver indexes the input's frames, cuts them into chunks (:func:`video.chunks.plan_chunks`),
and runs one Ray task per chunk; each task builds the stylizer and the smoother from the same
settings, renders its chunk with the smoothing warmed up on the 24 frames before it
(:func:`video.chunks.render_chunk`) and returns the chunk's lossless MP4 as bytes (workers on other
machines share no disk with the driver; the input travels once through Ray's object store). The
driver encodes the chunks, in order as they arrive, once into OUT with the render's encoder settings
and the input's audio (:class:`video.chunks.ChunkJoiner`): the video has one render's keyframes, not
one per chunk. OUT appears only when complete. A task whose worker dies is retried by Ray (``max_retries``); what a
dead worker had written was in its own temporary folder, never in OUT. ``ADDRESS``: ``local``
starts a Ray instance on this machine (``workers`` CPUs); anything else joins that cluster. Tasks
ask for one GPU where the cluster has GPUs, else for ``cpus_per_task`` CPUs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from models.errors import UserError
from video.chunks import WARMUP_FRAMES, Chunk, ChunkJoiner, FrameIndex, index_frames, plan_chunks, render_chunk
from video.render import RenderOptions

DIE_AT_ENV = "STYLECAM_TEST_DIE_AT"  # tests: "CHUNK:FRAME:MARKER" — the first worker there exits abruptly


@dataclass(frozen=True)
class ChunkJob:
    """What a worker needs besides the input: the stylizer's and smoother's settings; and the final encoder's
    (the driver's, at the join)."""

    stylizer: dict  # keyword arguments of models.inference.runtime.Stylizer
    style_file: tuple[str, bytes] | None  # a style given as a file: its name and bytes, rebuilt on the worker
    temporal: dict | None  # render_smoother's arguments; None: per frame
    crf: int = 18
    preset: str = "medium"
    codec: str = "libx264"


@dataclass
class RayResult:
    output: Path
    frames: int
    seconds: float
    audio: str
    chunks: list[Chunk]
    workers: int


def _materialise(data: bytes, name: str) -> str:
    """``data`` as a file in this worker's temporary folder (once per content)."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "stylecam-ray" / digest
    path = folder / name
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}"
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return str(path)


def _die_hook(chunk: Chunk):
    spec = os.environ.get(DIE_AT_ENV)
    if not spec:
        return None
    at_chunk, at_frame, marker = spec.split(":", 2)
    if int(at_chunk) != chunk.index or Path(marker).exists():
        return None

    def on_frame(i: int) -> None:
        if i == int(at_frame):
            Path(marker).write_text("died once")
            os._exit(1)  # noqa: SLF001 - a worker that dies, not an exception Ray could report

    return on_frame


def run_chunk(input_data: bytes, input_name: str, index: FrameIndex, chunk: Chunk, job: ChunkJob) -> bytes:
    """One Ray task: the chunk's lossless MP4 as bytes."""
    from models.inference.runtime import Stylizer
    from video.temporal import render_smoother

    input_path = _materialise(input_data, input_name)
    kwargs = dict(job.stylizer)
    if job.style_file is not None:
        kwargs["style"] = _materialise(job.style_file[1], job.style_file[0])
    stylizer = Stylizer(**kwargs)
    smoother = render_smoother(**job.temporal) if job.temporal is not None else None
    with tempfile.TemporaryDirectory(prefix="stylecam-chunk-") as folder:
        out = Path(folder) / f"chunk{chunk.index:05d}.mp4"
        render_chunk(input_path, index, chunk, stylizer, smoother, out, on_frame=_die_hook(chunk))
        return out.read_bytes()


def connect(address: str, workers: int | None):
    """Start a local Ray instance (``local``) or join the cluster at ``address``; returns the ``ray`` module."""
    try:
        import ray
    except ImportError:
        raise UserError("--ray needs Ray: pip install 'stylecam[ray]'") from None
    if not ray.is_initialized():
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a local instance: loopback only
        try:
            if address == "local":
                ray.init(num_cpus=workers or os.cpu_count(), include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
            else:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise UserError(f"--ray {address}: cannot reach a Ray cluster ({exc})") from None
    return ray


def _cancel(ray, refs, joiner: ChunkJoiner) -> None:
    joiner.abort()
    for ref in refs:
        try:
            ray.cancel(ref, force=True)
        except Exception:  # noqa: BLE001 - finished already, or the cluster is gone
            pass


def ray_render(input_path: str, output_path: str, job: ChunkJob, address: str = "local", workers: int | None = None,
               chunk_frames: int | None = None, warmup: int = WARMUP_FRAMES, max_retries: int = 3,
               progress=None) -> RayResult:
    """Render ``input_path`` into ``output_path`` on a Ray cluster; see the module docstring."""
    out = Path(output_path)
    if out.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise UserError(f"{output_path}: --ray writes an .mp4 file")
    if not Path(input_path).is_file():
        raise UserError(f"--ray renders video files; {input_path} is not one")
    if Path(input_path).resolve() == out.resolve():
        raise UserError("input and output are the same file")
    t0 = time.monotonic()
    index = index_frames(input_path)
    ray = connect(address, workers)
    resources = ray.cluster_resources()
    gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 1))
    slots = gpus or max(1, cpus)
    n = len(index.pts)
    size = chunk_frames or max(24, -(-n // (2 * slots)))  # two chunks a worker: a slow one does not hold all
    chunks = plan_chunks(n, index.keyframes, size, warmup)
    task = ray.remote(run_chunk).options(max_retries=max_retries, retry_exceptions=False,
                                         num_gpus=1 if gpus else 0, num_cpus=0 if gpus else 1)
    data = ray.put(Path(input_path).read_bytes())
    refs = [task.remote(data, Path(input_path).name, index, c, job) for c in chunks]
    joiner = ChunkJoiner(input_path, index, out, RenderOptions(crf=job.crf, preset=job.preset, codec=job.codec))
    try:
        with tempfile.TemporaryDirectory(prefix=f".{out.name}.chunks-", dir=out.parent) as folder:
            for i, ref in enumerate(refs):  # in order: each is encoded while later ones render
                part = Path(folder) / f"chunk{i:05d}.mp4"
                part.write_bytes(ray.get(ref))
                joiner.add(part)
                part.unlink()
                if progress:
                    progress(chunks[i].end, n, time.monotonic() - t0)
        audio = joiner.finish()
    except ray.exceptions.RayTaskError as exc:
        _cancel(ray, refs, joiner)
        cause = exc.cause if getattr(exc, "cause", None) is not None else exc
        if isinstance(cause, UserError):
            raise UserError(str(cause)) from None
        raise
    except BaseException:
        _cancel(ray, refs, joiner)
        raise
    return RayResult(out, n, time.monotonic() - t0, audio, chunks, slots)
