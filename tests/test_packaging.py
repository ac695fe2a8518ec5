"""The installers (packaging/): icons, Linux desktop integration, the wheel, the frozen app.

The desktop entry and the AppStream metadata go through the freedesktop validators
(skipped when ``desktop-file-utils`` or ``appstream`` is not installed: ``make system-deps``).
The tests marked ``package`` build the frozen app with PyInstaller (about a minute) and run
it headless; they are opt-in: ``make package-test`` sets ``PAPERSHELF_PACKAGE_TEST=1``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from xml.etree import ElementTree

import pytest

from desktop_app import APP_ID, APP_NAME, __version__

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
LINUX = PACKAGING / "linux"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
INSTALL_SCRIPT = LINUX / "install-desktop.sh"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _packaging_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (make system-deps installs it)")
    return path


def _desktop_entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if "=" in line)


@pytest.fixture(scope="session")
def share(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The staged XDG data tree, with icons rendered from the SVG, plus .ico and .icns."""
    out = tmp_path_factory.mktemp("assets")
    main = _packaging_module("build_assets").main
    assert main(["--share", str(out / "share"), "--ico", str(out / "p.ico"),
                 "--icns", str(out / "p.icns")]) == 0  # fmt: skip
    return out / "share"


# -- the icon ----------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_hicolor_icons_come_in_every_size_named_after_the_app(share: Path) -> None:
    hicolor = share / "icons" / "hicolor"
    for size in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        png = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert _png_size(png.read_bytes()) == (size, size), png
    scalable = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    assert scalable.read_bytes() == (ROOT / "resources" / "papershelf.svg").read_bytes()


def test_the_icon_is_drawn_not_blank(share: Path) -> None:
    from PySide6.QtGui import QImage

    image = QImage(str(share / "icons" / "hicolor" / "64x64" / "apps" / f"{APP_ID}.png"))
    assert not image.isNull()
    opaque = sum(image.pixelColor(x, y).alpha() > 200 for x in range(64) for y in range(64))
    colours = {image.pixel(x, y) for x in range(0, 64, 4) for y in range(0, 64, 4)}
    assert opaque > 64 * 64 // 2  # a filled tile, not a thin outline
    assert len(colours) > 5  # with a motif drawn on it
    assert image.pixelColor(0, 0).alpha() == 0  # rounded corners


def test_windows_ico_holds_sizes_16_to_256(share: Path) -> None:
    data = (share.parent / "p.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        width, _, _, _, _, _, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        png_width, _ = _png_size(data[offset : offset + length])
        assert png_width == (width or 256)
        sizes.append(png_width)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_macos_icns_holds_sizes_16_to_1024(share: Path) -> None:
    data = (share.parent / "p.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    found: dict[bytes, int] = {}
    at = 8
    while at < len(data):
        kind, length = data[at : at + 4], struct.unpack(">I", data[at + 4 : at + 8])[0]
        found[kind] = _png_size(data[at + 8 : at + length])[0]
        at += length
    assert found[b"icp4"] == 16
    assert found[b"ic07"] == 128
    assert found[b"ic10"] == 1024
    assert len(found) == 11


# -- Linux desktop integration -----------------------------------------------------------


def test_desktop_entry_validates() -> None:
    result = subprocess.run(
        [_tool("desktop-file-validate"), str(DESKTOP_FILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # not even a hint


def test_desktop_entry_names_the_app_its_icon_and_window_class() -> None:
    entry = _desktop_entry(DESKTOP_FILE)
    assert entry["Name"] == APP_NAME
    assert entry["Icon"] == APP_ID
    assert entry["Exec"] == entry["TryExec"] == "papershelf"
    # X11 window managers match the window's WM_CLASS, the Qt application name.
    assert entry["StartupWMClass"] == APP_NAME


def test_metainfo_validates() -> None:
    # --no-net: the validator would otherwise fetch the screenshots' URLs.
    result = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert problems == []


def test_metainfo_describes_this_app_and_version() -> None:
    component = ElementTree.parse(METAINFO).getroot()
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("name") == APP_NAME
    assert component.findtext("project_license") == PYPROJECT["project"]["license"]
    launchable = component.find("launchable")
    assert launchable is not None and launchable.text == DESKTOP_FILE.name
    assert [b.text for b in component.iter("binary")] == list(PYPROJECT["project"]["scripts"])
    releases = component.findall("releases/release")
    assert releases and releases[0].get("version") == __version__  # newest first
    assert component.find("content_rating") is not None


def test_metainfo_screenshots_are_the_ones_in_resources() -> None:
    images = list(ElementTree.parse(METAINFO).getroot().iter("image"))
    assert images
    for image in images:
        url = image.text or ""
        assert url.startswith("https://"), url
        relative = url.split("/main/", 1)[1]
        assert relative.startswith("resources/screenshots/"), url
        path = ROOT / relative
        assert path.is_file(), f"{url} names {relative}, which is missing"
        size = (int(image.get("width", 0)), int(image.get("height", 0)))
        assert size == _png_size(path.read_bytes()), f"{relative}: update width and height"


def _install(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data), "HOME": str(data.parent)}
    return subprocess.run(
        ["sh", str(INSTALL_SCRIPT), *args], capture_output=True, text=True, env=env, check=True
    )


def _installed(data: Path) -> list[Path]:
    return sorted(p for p in data.rglob("*") if p.is_file() and APP_ID in p.name)


def test_install_desktop_puts_entry_metadata_and_icons_in_the_user_data_dir(
    share: Path, tmp_path: Path
) -> None:
    program = tmp_path / "my apps" / "papershelf"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    data = tmp_path / "data"

    _install(data, "--share", str(share), "--exec", str(program))

    installed = _installed(data)
    assert data / "applications" / f"{APP_ID}.desktop" in installed
    assert data / "metainfo" / f"{APP_ID}.metainfo.xml" in installed
    assert data / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png" in installed
    assert data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg" in installed
    entry = _desktop_entry(data / "applications" / f"{APP_ID}.desktop")
    assert entry["Exec"] == f'"{program}"'  # quoted: the path holds a space
    assert entry["TryExec"] == str(program)
    if shutil.which("desktop-file-validate"):
        subprocess.run(
            ["desktop-file-validate", str(data / "applications" / f"{APP_ID}.desktop")],
            check=True,
        )


def test_uninstall_desktop_removes_what_install_put_there(share: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "applications").mkdir(parents=True)
    (data / "applications" / "other.desktop").write_text("[Desktop Entry]\n", encoding="utf-8")
    _install(data, "--share", str(share))
    assert _installed(data)

    _install(data, "--uninstall")

    assert _installed(data) == []
    assert (data / "applications" / "other.desktop").exists()


CLI_FILES = (
    "man/man1/papershelf.1",
    "bash-completion/completions/papershelf",
    "zsh/site-functions/_papershelf",
    "fish/vendor_completions.d/papershelf.fish",
)


def test_the_manual_page_is_generated_from_the_parser(share: Path, tmp_path: Path) -> None:
    """Every command of the parser has its section; man renders it without a warning."""
    from desktop_app.cli import build_parser

    page = (share / "man" / "man1" / "papershelf.1").read_text(encoding="utf-8")
    assert page.startswith('.TH PAPERSHELF "1"') and f"papershelf {__version__}" in page
    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert commands
    for name in commands:
        assert f"'papershelf {name}'".replace("-", "\\-") in page, name
    if shutil.which("man") is None or shutil.which("groff") is None:
        return
    rendered = subprocess.run(
        ["man", "--warnings", "-l", str(share / "man" / "man1" / "papershelf.1")],
        capture_output=True,
        text=True,
        env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"},
        check=True,
    )
    assert "papershelf - keep a reading list of arXiv papers offline" in rendered.stdout
    assert "papershelf import-digest" in rendered.stdout
    assert rendered.stderr == ""


def test_the_shell_completions_are_staged_for_each_shell(share: Path) -> None:
    for relative in CLI_FILES[1:]:  # the manual page aside
        text = (share / relative).read_text(encoding="utf-8")
        assert "papershelf" in text and "_ARGCOMPLETE" in text, relative


def test_install_desktop_installs_the_manual_and_completions(share: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = _install(data, "--share", str(share))
    for relative in CLI_FILES:
        assert (data / relative).read_bytes() == (share / relative).read_bytes(), relative
    assert "fpath+=(" in result.stdout  # how to make zsh look there
    _install(data, "--uninstall")
    assert not [relative for relative in CLI_FILES if (data / relative).exists()]


def test_install_desktop_refuses_an_unstaged_share_folder(tmp_path: Path) -> None:
    with pytest.raises(subprocess.CalledProcessError) as error:
        _install(tmp_path / "data", "--share", str(tmp_path / "nowhere"))
    assert "missing" in error.value.stderr
    assert not (tmp_path / "data" / "applications" / f"{APP_ID}.desktop").exists()


# -- the wheel ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    """The wheel ``pip install .`` installs, built offline from a copy of the sources."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("desktop_app", "resources"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", str(base / "out"), str(source)],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )  # fmt: skip
    (built,) = (base / "out").glob("papershelf-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def test_wheel_carries_every_module_and_resource(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    modules = {
        "desktop_app/" + p.relative_to(ROOT / "desktop_app").as_posix()
        for p in (ROOT / "desktop_app").rglob("*.py")
    }
    resources = {
        "desktop_app/resources/" + p.relative_to(ROOT / "resources").as_posix()
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert "desktop_app/resources/sample-digest.md" in resources
    assert "desktop_app/resources/papershelf.svg" in resources
    assert modules - names == set()
    assert resources - names == set()


def test_wheel_puts_papershelf_on_path(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "[console_scripts]" in text
    assert "papershelf = desktop_app.cli:main" in text
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    assert f"\nVersion: {__version__}\n" in wheel.read(metadata).decode()


# -- the app's identity on the desktop --------------------------------------------------


def test_the_app_names_itself_after_its_desktop_entry(tmp_path: Path) -> None:
    """Wayland matches windows to the menu entry by the desktop file name; QSettings and
    the window icon need the organisation and application names."""
    code = (
        "import sys; from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from desktop_app.gui.app import run_app\n"
        "status = run_app(Path(sys.argv[1]))\n"
        "app = QApplication.instance()\n"
        "print(status, app.desktopFileName(), app.organizationName(), app.applicationName(),"
        " app.windowIcon().isNull())\n"
    )
    # Closed after its start-up tasks are done: closing while they run is another test's
    # matter (it made 1 start in 10 hang as this was written).
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PAPERSHELF_QUIT_AFTER_START": "1000"}
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "library")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    status, desktop_file, organisation, application, no_icon = result.stdout.split()
    assert (status, desktop_file, application, no_icon) == ("0", APP_ID, APP_NAME, "False")
    assert organisation


# -- the frozen app (opt-in: make package-test) ------------------------------------------


def test_the_frozen_entry_point_serves_every_worker_the_core_starts() -> None:
    """A frozen app is its own worker: a core module that starts ``sys.executable
    WORKER_FLAG`` needs its flag in packaging/entry.py, or the frozen app would open its
    command line (or a window) in place of the worker."""
    flags = {}
    for path in sorted((ROOT / "desktop_app").rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("WORKER_FLAG = "):
                module = path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
                flags[line.split("=", 1)[1].strip().strip('"')] = module
    assert flags, "no worker flags found in desktop_app"
    workers = _packaging_module("entry").WORKERS
    assert workers == flags
    for module in workers.values():
        assert callable(importlib.import_module(module).run_worker_if_requested)


@pytest.fixture(scope="session")
def frozen_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-folder app PyInstaller builds from packaging/papershelf.spec."""
    if not os.environ.get("PAPERSHELF_PACKAGE_TEST"):
        pytest.skip("builds the frozen app (about a minute): run `make package-test`")
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed: pip install -e '.[package]'")
    base = tmp_path_factory.mktemp("frozen")
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR",
         "--workpath", str(base / "work"), "--distpath", str(base / "dist"),
         str(PACKAGING / "papershelf.spec")],
        check=True,
        cwd=base,
    )  # fmt: skip
    program = base / "dist" / "papershelf" / "papershelf"
    assert os.access(program, os.X_OK)
    return program


def _run_frozen(
    program: Path, *args: str, home: Path, timeout: float = 60, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run the frozen app headless, with its own folders, outside the source tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env |= {
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "PAPERSHELF_CACHE_DIR": str(home / "cache"),
        "PAPERSHELF_CONFIG_DIR": str(home / "config"),
        "PAPERSHELF_LOG_DIR": str(home / "log"),
        "PAPERSHELF_STATE_DIR": str(home / "state"),
        **extra_env,
    }
    return subprocess.run(
        [str(program), *args], capture_output=True, text=True, env=env, cwd=home, timeout=timeout
    )


def _frozen_test(test: Callable[..., None]) -> Callable[..., None]:
    """A test of the frozen app: opt-in, and with the time to build the app first."""
    marked: Callable[..., None] = pytest.mark.package(pytest.mark.timeout(900)(test))
    return marked


def _import_sample_digest(program: Path, library: Path, home: Path) -> None:
    digest = ROOT / "resources" / "sample-digest.md"
    result = _run_frozen(
        program, "--library", str(library), "import-digest", str(digest), home=home
    )
    assert result.returncode == 0, result.stderr


def _open_and_quit(program: Path, library: Path, home: Path, after_ms: int) -> list[str]:
    """Open the app's window on ``library``, close it ``after_ms`` later; the log's problems."""
    result = _run_frozen(
        program, "--library", str(library), home=home, PAPERSHELF_QUIT_AFTER_START=str(after_ms)
    )
    assert result.returncode == 0, result.stderr
    log = (home / "log" / "papershelf.log").read_text(encoding="utf-8")
    assert f"Papershelf {__version__} on {library}" in log
    assert (home / "state" / "window-state.ini").is_file()  # saved as the window closed
    return [
        line
        for line in log.splitlines()
        if any(word in line for word in (" ERROR ", " CRITICAL ", "Traceback", "missing from"))
    ]


@_frozen_test
def test_frozen_app_prints_its_version(frozen_app: Path, tmp_path: Path) -> None:
    result = _run_frozen(frozen_app, "--version", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"papershelf {__version__}"


@_frozen_test
def test_frozen_app_opens_a_new_library_shows_the_window_and_quits(
    frozen_app: Path, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    assert _open_and_quit(frozen_app, library, tmp_path, after_ms=2000) == []
    assert (library / "library.json").is_file()


@_frozen_test
def test_frozen_app_opens_a_library_with_papers_and_indexes_them(
    frozen_app: Path, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    _import_sample_digest(frozen_app, library, tmp_path)
    assert _open_and_quit(frozen_app, library, tmp_path, after_ms=4000) == []


@_frozen_test
def test_frozen_cli_imports_lists_and_searches_a_digest(frozen_app: Path, tmp_path: Path) -> None:
    library = tmp_path / "library"
    _import_sample_digest(frozen_app, library, tmp_path)
    for command, expected in (
        (["inbox"], "2504.05220"),
        (["search", "retrieval"], "2504."),
        (["completion", "bash"], "_ARGCOMPLETE"),  # argcomplete is bundled
    ):
        result = _run_frozen(frozen_app, "--library", str(library), *command, home=tmp_path)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout, command


@_frozen_test
def test_frozen_app_carries_its_resources_and_desktop_files(frozen_app: Path) -> None:
    folder = frozen_app.parent
    resources = folder / "_internal" / "desktop_app" / "resources"
    assert (resources / "sample-digest.md").is_file()
    assert (resources / "papershelf.svg").is_file()
    assert (folder / "share" / "applications" / f"{APP_ID}.desktop").is_file()
    assert (folder / "share" / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png").is_file()
    for relative in CLI_FILES:
        assert (folder / "share" / relative).is_file(), relative
    qt = folder / "_internal" / "PySide6" / "Qt"
    assert list((qt / "lib").glob("libQt6Pdf.so*")), "QtPdf is missing"
    assert list((qt / "plugins" / "platforms").glob("libqxcb.so"))
    assert list((qt / "plugins" / "platforms").glob("libqwayland.so"))
    assert not list((qt / "lib").glob("libQt6Quick*")), "an unused Qt module was bundled"


@_frozen_test
def test_the_tarballs_install_script_points_the_menu_at_the_frozen_app(
    frozen_app: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    subprocess.run(
        ["sh", str(frozen_app.parent / "install-desktop.sh")],
        check=True,
        env={**os.environ, "XDG_DATA_HOME": str(data), "HOME": str(tmp_path)},
    )
    entry = _desktop_entry(data / "applications" / f"{APP_ID}.desktop")
    assert entry["Exec"] == str(frozen_app)


@_frozen_test
def test_frozen_app_is_its_own_pdf_text_worker(frozen_app: Path, tmp_path: Path) -> None:
    from desktop_app.core.pdf.text import WORKER_FLAG
    from tests.helpers.pdfgen import make_pdf

    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(make_pdf(["Dense retrieval with query likelihood", "Second page"]))
    env = {**os.environ, "HOME": str(tmp_path)}
    result = subprocess.run(
        [str(frozen_app), WORKER_FLAG, "1024"],
        input=json.dumps({"path": str(pdf)}) + "\n\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[0])
    assert answer["path"] == str(pdf)  # each answer names the file it is for
    status, pages = answer["status"], answer["value"]
    assert status == "ok"
    assert "query likelihood" in pages[0]
    assert "Second page" in pages[1]
