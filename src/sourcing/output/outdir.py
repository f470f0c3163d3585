"""Writing one run's files into an output folder (`--output DIR`), all or nothing.

A run writes only the files it owns, each atomically, and records them in a manifest,
`sourcing-run.json`, in the folder:

    {"tool": "sourcing", "command": "solve", "complete": true,
     "files": ["binding_policies.csv", ...], "written": "2025-01-31T09:12:45+01:00"}

Nothing else in the folder is read, copied, moved or deleted, and the folder itself is never
renamed. A file with a name the run writes is replaced only if an earlier run's manifest lists it;
otherwise the run refuses (`OutputError`) before it writes anything. The protocol of `write`:

0. Under an advisory lock on the folder (POSIX), read the earlier manifest; remove the stale
   temporaries (see 1) of the files the earlier or this run owns.
1. Render every file to a hidden temporary beside it (`.flows.XXXXXXXX.tmp.csv` for `flows.csv`)
   and fsync it. Any failure: remove the temporaries, leave the folder as it was, raise.
2. Atomically rewrite the manifest as incomplete, listing the earlier and this run's files.
3. Rename every temporary onto its final name (`os.replace`, atomic per file).
4. Remove the earlier run's files that this run does not write.
5. Atomically write the manifest as complete, listing exactly this run's files.

SIGINT and SIGTERM are held back during steps 2 to 5 (when called from the main thread) and
delivered once the manifest is complete. A process killed anywhere leaves the earlier complete
run, or an incomplete manifest listing every file the tool may have left (the next run removes
what it does not write), or the new complete run; at most some hidden temporaries, which the next
run removes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sourcing import interrupts
from sourcing.errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

MANIFEST = "sourcing-run.json"
TOOL = "sourcing"
REFUSAL_ADVICE = "move {} away or choose another folder"
LOCK_WAIT = 60.0  # seconds to wait for another run writing into the same folder
TEMPORARY = re.compile(r"\.(?P<stem>.+)\.[0-9a-f]{8}\.tmp(?P<suffix>(\.[^.]*)?)")
"""A temporary's name, `.flows.0a1b2c3d.tmp.csv` for `flows.csv` (see `_temporary_name`)."""

Renderer = Callable[[Path], object]
"""Writes one file at the path it is given (a temporary; the caller picks the final name)."""


def csv_file(frame: pd.DataFrame) -> Renderer:
    """A renderer writing `frame` as CSV without its index."""
    return lambda path: frame.to_csv(path, index=False)


def text_file(text: str) -> Renderer:
    """A renderer writing `text` as UTF-8."""
    return lambda path: path.write_text(text, encoding="utf-8")


def check(directory: str | Path, names: Iterable[str]) -> Path:
    """Raise `OutputError` unless a run could write the files `names` into `directory`.

    The pre-flight check before a long solve: `directory` (or, if missing, the nearest existing
    folder above it) is a writable folder, and no file with one of `names` (or the manifest's
    name) is there unless an earlier run's manifest lists it. Writes nothing.
    """
    directory = Path(directory)
    missing = _missing_folders(directory)
    existing = missing[-1].parent if missing else directory
    if existing == directory and not directory.is_dir():
        raise OutputError(f"{directory} exists and is not a folder")
    if not existing.is_dir():
        raise OutputError(f"cannot create {directory}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write into {directory}: {existing} is not writable")
    if existing == directory:
        _refuse_foreign(directory, names, _earlier_files(directory))
    return directory


def write(directory: str | Path, files: Mapping[str, Renderer], *, command: str) -> Path:
    """Write `files` (name -> renderer) into `directory` as one run of `command`, all or nothing.

    Creates `directory` with its parents if missing. Removes the files of the earlier run (by
    its manifest) that this run does not write, and nothing else. Raises `OutputError`, before
    writing anything, for a file it would overwrite that no earlier manifest lists; and for
    every `OSError` (read-only folder, disk full, a name taken by a folder, ...): while
    rendering, the folder is then as it was; once renaming has begun (rare: the files are
    already written), the manifest says incomplete and lists every file the run may have left.
    Returns `directory`.
    """
    directory = Path(directory)
    for name in files:
        if not _plain_name(name) or name == MANIFEST:
            raise ValueError(f"not a file name an output folder can hold: {name!r}")
    created: list[Path] = []
    try:
        created = _make_folder(directory)
        with _locked(directory):
            earlier = _earlier_files(directory)
            _refuse_foreign(directory, files, earlier)
            _remove_stale_temporaries(directory, {*files, MANIFEST, *earlier})
            temporaries: dict[str, Path] = {}  # the rendered files not yet in place
            try:
                for name, render in files.items():
                    temporaries[name] = _render(directory, name, render)
                with interrupts.deferred():
                    _commit(directory, temporaries, earlier, command)
            finally:
                for temporary in temporaries.values():
                    _discard(temporary)
    except OSError as exc:
        _remove_empty(created)
        raise OutputError(f"cannot write into {directory}: {_reason(exc, directory)}") from exc
    except BaseException:
        _remove_empty(created)
        raise
    return directory


def _commit(
    directory: Path, temporaries: dict[str, Path], earlier: frozenset[str], command: str
) -> None:
    """Steps 2 to 5: incomplete manifest, renames, removal of the earlier run's rest, manifest.

    Takes each temporary out of `temporaries` once it is in place.
    """
    new = set(temporaries)
    _write_manifest(directory, command, new | earlier, complete=False)
    for name in list(temporaries):
        os.replace(temporaries[name], directory / name)
        del temporaries[name]
    for name in sorted(earlier - new):
        path = directory / name
        if _is_folder(path):
            continue  # a folder is never ours: someone put it there since
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    _write_manifest(directory, command, new, complete=True)


def _write_manifest(directory: Path, command: str, files: Collection[str], complete: bool) -> None:
    document = {
        "tool": TOOL,
        "command": command,
        "complete": complete,
        "files": sorted(files),
        "written": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    temporary = _render(directory, MANIFEST, text_file(json.dumps(document, indent=2) + "\n"))
    try:
        os.replace(temporary, directory / MANIFEST)
    except BaseException:
        _discard(temporary)
        raise
    _sync_folder(directory)


def _render(directory: Path, name: str, render: Renderer) -> Path:
    """`name` rendered to a new hidden temporary beside it, flushed to disk."""
    while True:
        temporary = directory / _temporary_name(name, secrets.token_hex(4))
        try:
            # Created here, exclusively, so that the final file gets the usual permissions.
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        render(temporary)
        descriptor = os.open(temporary, os.O_RDWR)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except BaseException:
        _discard(temporary)
        raise
    return temporary


def _earlier_files(directory: Path) -> frozenset[str]:
    """The files the manifest in `directory` lists, complete or not (none without a manifest);
    `OutputError` if the manifest is not one that sourcing writes."""
    path = directory / MANIFEST
    if not os.path.lexists(path):
        return frozenset()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        files = document["files"]
        if (
            document["tool"] != TOOL
            or not isinstance(document["complete"], bool)
            or not isinstance(files, list)
            or not all(isinstance(f, str) and _plain_name(f) and f != MANIFEST for f in files)
        ):
            raise ValueError("not a manifest of sourcing")
    except (OSError, UnicodeError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(_foreign_message([path])) from exc
    return frozenset(files)


def _refuse_foreign(directory: Path, names: Iterable[str], owned: frozenset[str]) -> None:
    """`OutputError` naming every file of `names` in `directory` that no earlier run wrote."""
    foreign = [
        directory / name
        for name in sorted(set(names))
        if os.path.lexists(directory / name) and (name not in owned or _is_folder(directory / name))
    ]
    if foreign:
        raise OutputError(_foreign_message(foreign))


def _foreign_message(paths: list[Path]) -> str:
    listed = ", ".join(str(p) for p in paths)
    if len(paths) == 1:
        return f"{listed} exists and was not written by sourcing; {REFUSAL_ADVICE.format('it')}"
    return f"{listed} exist and were not written by sourcing; {REFUSAL_ADVICE.format('them')}"


def _remove_stale_temporaries(directory: Path, owned: Collection[str]) -> None:
    """Remove the temporaries of owned names that a killed run left behind."""
    with os.scandir(directory) as entries:
        for entry in entries:
            if _temporary_of(entry.name) in owned and entry.is_file(follow_symlinks=False):
                _discard(Path(entry.path))


def _temporary_name(name: str, token: str) -> str:
    """`.flows.0a1b2c3d.tmp.csv` for `flows.csv`: hidden, tied to the name, the same suffix (a
    renderer such as matplotlib's `savefig` picks the format by it)."""
    path = Path(name)
    return f".{path.stem}.{token}.tmp{path.suffix}"


def _temporary_of(entry: str) -> str | None:
    """The file name whose temporary `entry` is (`.flows.0a1b2c3d.tmp.csv` -> `flows.csv`)."""
    match = TEMPORARY.fullmatch(entry)
    return None if match is None else match["stem"] + match["suffix"]


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An advisory lock on the folder against another run writing into it (POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        descriptor = -1  # a folder we cannot open for reading: go on without the lock
    if descriptor < 0:
        yield
        return
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OutputError(
                        f"another run is writing into {directory} (waited {LOCK_WAIT:.0f} s); "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.05)
            except OSError:
                break  # no locks on this filesystem: go on without
        yield
    finally:
        os.close(descriptor)


def _missing_folders(directory: Path) -> list[Path]:
    """`directory` and the folders above it that do not exist, deepest first."""
    missing = []
    folder = directory
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _make_folder(directory: Path) -> list[Path]:
    """Create `directory` with its parents; the folders created, deepest first."""
    if os.path.lexists(directory) and not directory.is_dir():
        raise NotADirectoryError(f"{directory} exists and is not a folder")
    missing = _missing_folders(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _sync_folder(directory: Path) -> None:
    """Make the renames in `directory` durable (POSIX; a no-op where folders cannot be synced)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _is_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _plain_name(name: str) -> bool:
    """A file name without any folder part."""
    return name not in ("", ".", "..") and "\0" not in name and os.path.basename(name) == name


def _reason(exc: OSError, directory: Path) -> str:
    """What went wrong, naming the file (by its final name, not its temporary) if not the folder."""
    reason = exc.strerror or str(exc)
    if exc.filename is None or exc.strerror is None:
        return reason
    path = Path(os.fsdecode(exc.filename))
    if path == directory:
        return reason
    if path.parent == directory:
        return f"{_temporary_of(path.name) or path.name}: {reason}"
    return f"{path}: {reason}"


__all__ = [
    "MANIFEST",
    "OutputError",
    "check",
    "csv_file",
    "text_file",
    "write",
]
