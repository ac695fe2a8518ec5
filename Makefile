# Papershelf: every set-up step a fresh machine needs is here (see README.md).
#   make run     create .venv, install the app, open it on the default library
#   make test    install the test extras, run ruff, mypy and the whole pytest suite headless
#   make bench   run the benchmarks of tests/bench and write their figures
#                (BENCH_ARGS=tests/bench/test_bench_gui.py runs one of them)
#   make torture the reliability run: kills, concurrent writers, hostile input, fuzzing
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Debian packages: every library Qt's xcb platform plugin links to (`ldd` on PySide6's
# plugins/platforms/libqxcb.so; tests/gui/test_platform_check.py keeps this list complete),
# the fonts, and the packaging validators.
SYSTEM_PACKAGES := libegl1 libgl1 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3 \
	libx11-6 libx11-xcb1 libxau6 libxdmcp6 libxkbcommon0 libxkbcommon-x11-0 libxcb1 libxcb-cursor0 \
	libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 \
	libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 \
	libxcb-xkb1 fonts-dejavu-core desktop-file-utils appstream

.PHONY: run test lint typecheck pytest bench torture sync-soak screenshots system-deps package \
	package-test install-desktop uninstall-desktop clean bibtex-check

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# One dpkg-query for all packages (quick when everything is there, as in CI); apt-get only
# for what is missing.
system-deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${db:Status-Abbrev}\n' $(SYSTEM_PACKAGES) 2>/dev/null \
		| awk '$$2 == "ii" { ok[$$1] = 1 } END { n = split("$(SYSTEM_PACKAGES)", p, " "); \
			for (i = 1; i <= n; i++) if (!(p[i] in ok)) printf "%s ", p[i] }'); \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null 2>&1; then \
			echo "installing system packages: $$missing"; \
			SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
			{ $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } \
				|| echo "warning: could not install $$missing; tests that need them will fail or skip"; \
		else echo "please install: $$missing"; fi; \
	fi

run: system-deps $(STAMP)
	$(VENV)/bin/papershelf

lint: $(STAMP)
	$(VENV)/bin/ruff check $(wildcard desktop_app tests packaging)
	$(VENV)/bin/ruff format --check $(wildcard desktop_app tests packaging)

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test: system-deps $(STAMP) lint typecheck pytest

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -p no:cacheprovider -s -o addopts="" $(or $(BENCH_ARGS),tests/bench)

# BibTeX export against the real tools, case by case (not part of `make test`: TeX is large).
# First: apt-get install --no-install-recommends texlive-binaries texlive-base biber
bibtex-check: $(STAMP)
	$(PY) -m tests.helpers.bibcases
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -p no:cacheprovider -ra tests/core/interop/test_bibtex_export.py

# The reliability run of issue #19 (kill -9, concurrent writers, hostile inputs, fuzzing,
# a full disk when run as root): prints a table whose columns should all be 0.
torture: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m tests.torture $(TORTURE_ARGS)

# Two real Syncthing instances on loopback share a library edited on both sides at once;
# prints edits, conflict copies made, merged, lost (issue #19). Installs Debian's syncthing.
sync-soak: $(STAMP)
	command -v syncthing >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq syncthing; }
	QT_QPA_PLATFORM=offscreen $(PY) -m tests.torture.sync_soak $(SOAK_ARGS)

# resources/screenshots/{library-light,library-dark,reader}.png: the window on the sample digest, headless.
screenshots: $(STAMP)
	$(PY) packaging/screenshots.py

# Installers (packaging/README.md): the frozen one-folder app and its tarball, and the
# desktop entry, AppStream metadata and icons installed for the current user.
PACKAGE_STAMP := $(VENV)/.installed-package
SHARE := build/share
# The program the menu entry starts: `make install-desktop DESKTOP_EXEC=$(which papershelf)`
# for a pipx install.
DESKTOP_EXEC ?= $(abspath $(VENV))/bin/papershelf

$(PACKAGE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,package]'
	touch $(PACKAGE_STAMP)

package: system-deps $(PACKAGE_STAMP)
	rm -rf dist/papershelf
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--workpath build/pyinstaller --distpath dist packaging/papershelf.spec
	version=$$($(PY) -c 'import desktop_app; print(desktop_app.__version__)'); \
	tar -C dist -czf dist/papershelf-$$version-linux-$$(uname -m).tar.gz papershelf && \
	ls -l dist/papershelf-$$version-linux-$$(uname -m).tar.gz

# Builds the frozen app in a temporary folder and runs it headless (tests marked `package`).
package-test: system-deps $(PACKAGE_STAMP)
	QT_QPA_PLATFORM=offscreen PAPERSHELF_PACKAGE_TEST=1 $(PY) -m pytest -p no:cacheprovider \
		-m package tests/test_packaging.py $(PYTEST_ARGS)

install-desktop: $(STAMP)
	rm -rf $(SHARE)
	$(PY) packaging/build_assets.py --share $(SHARE)
	sh packaging/linux/install-desktop.sh --share $(SHARE) --exec "$(DESKTOP_EXEC)"

uninstall-desktop:
	sh packaging/linux/install-desktop.sh --uninstall

clean:
	rm -rf build dist *.egg-info .mypy_cache .ruff_cache
