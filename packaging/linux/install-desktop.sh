#!/bin/sh
# Install (or remove) Papershelf's desktop entry, AppStream metadata and icons, and the
# command line's manual page and bash/zsh/fish completions, for the current user, under
# ${XDG_DATA_HOME:-~/.local/share}. Needs only a POSIX shell, so it also runs from the
# unpacked release tarball, where it sits beside the `papershelf` program.
#
#   install-desktop.sh [--share DIR] [--exec PROGRAM]   install
#   install-desktop.sh --uninstall                      remove what install put there
#
# --share DIR      a staged tree with applications/, metainfo/ and icons/hicolor/
#                  (default: the share/ folder beside this script)
# --exec PROGRAM   the program the menu entry starts (default: the papershelf beside this
#                  script, else `papershelf` from PATH)
set -eu

APP_ID=io.github.papershelf.Papershelf
here=$(cd "$(dirname "$0")" && pwd)
share="$here/share"
program=
action=install

while [ $# -gt 0 ]; do
    case "$1" in
        --share) share=$2; shift 2 ;;
        --exec) program=$2; shift 2 ;;
        --uninstall) action=uninstall; shift ;;
        -h|--help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "install-desktop.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

data="${XDG_DATA_HOME:-$HOME/.local/share}"
# The command line's files, where man, bash-completion (2.x), zsh and fish look for them
# (packaging/build_assets.py stages them under the same names).
cli_files="man/man1/papershelf.1 bash-completion/completions/papershelf
zsh/site-functions/_papershelf fish/vendor_completions.d/papershelf.fish"

refresh_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$data/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
    fi
}

if [ "$action" = uninstall ]; then
    rm -f "$data/applications/$APP_ID.desktop" "$data/metainfo/$APP_ID.metainfo.xml"
    for icon in "$data"/icons/hicolor/*/apps/"$APP_ID".png "$data"/icons/hicolor/*/apps/"$APP_ID".svg; do
        rm -f "$icon"
    done
    for file in $cli_files; do
        rm -f "$data/$file"
    done
    refresh_caches
    echo "Removed Papershelf's menu entry and icons from $data"
    exit 0
fi

if [ -z "$program" ]; then
    if [ -x "$here/papershelf" ]; then
        program="$here/papershelf"
    else
        program=papershelf
    fi
fi
case "$program" in
    *[\"\`\$\\]*)
        echo "install-desktop.sh: the program path $program holds \", \`, \$ or \\; move it elsewhere" >&2
        exit 1 ;;
    /*|*/*) program=$(cd "$(dirname "$program")" && pwd)/$(basename "$program") ;;
esac
for file in "$share/applications/$APP_ID.desktop" "$share/metainfo/$APP_ID.metainfo.xml" \
        "$share/icons/hicolor/scalable/apps/$APP_ID.svg"; do
    if [ ! -f "$file" ]; then
        echo "install-desktop.sh: $file is missing: give the staged share folder with --share" >&2
        exit 1
    fi
done

# The desktop entry spec wants arguments with spaces quoted.
case "$program" in
    *" "*) exec_value="\"$program\"" ;;
    *) exec_value=$program ;;
esac

mkdir -p "$data/applications" "$data/metainfo"
awk -v exec_value="$exec_value" -v program="$program" '
    /^Exec=/ { print "Exec=" exec_value; next }
    /^TryExec=/ { print "TryExec=" program; next }
    { print }
' "$share/applications/$APP_ID.desktop" > "$data/applications/$APP_ID.desktop.tmp"
mv "$data/applications/$APP_ID.desktop.tmp" "$data/applications/$APP_ID.desktop"
cp "$share/metainfo/$APP_ID.metainfo.xml" "$data/metainfo/"
(cd "$share" && find icons/hicolor -name "$APP_ID.*") | while read -r icon; do
    mkdir -p "$data/$(dirname "$icon")"
    cp "$share/$icon" "$data/$icon"
done
for file in $cli_files; do
    if [ -f "$share/$file" ]; then
        mkdir -p "$data/$(dirname "$file")"
        cp "$share/$file" "$data/$file"
    fi
done
refresh_caches
echo "Installed Papershelf's menu entry ($program) and icons under $data"
echo "Installed 'man papershelf' and the bash, zsh and fish completions of papershelf;"
echo "  zsh: add  fpath+=($data/zsh/site-functions)  before compinit in ~/.zshrc"
