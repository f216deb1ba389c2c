"""No file of the project keeps a merge's conflict markers (one sat in docs/performance.md
for a whole stop: nothing read that file as code)."""
import os
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".cfg", ".yml", ".yaml", ".json", ".sh"}
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.M)


def _project_files():
    for folder, subfolders, names in os.walk(ROOT):
        # prune hidden folders (.git, .venv), builds and caches before descending
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and
                         d not in {"build", "dist", "__pycache__"} and
                         not d.endswith(".egg-info")]
        for name in names:
            if os.path.splitext(name)[1] in TEXT_SUFFIXES:
                yield pathlib.Path(folder, name)


def test_no_conflict_markers_in_project_files():
    files = list(_project_files())
    assert any(f.name == "README.md" for f in files)  # the walk reaches the project
    marked = [str(f.relative_to(ROOT)) for f in files
              if MARKER.search(f.read_text(encoding="utf-8", errors="replace"))]
    assert marked == []


def test_the_marker_pattern_finds_a_conflict():
    assert MARKER.search("text\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> main\n")
    assert not MARKER.search("a table rule\n=======  \nheading\n--------\n")
