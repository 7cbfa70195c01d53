#!/usr/bin/env bash
# Shell completion (tools/completion/) kept in step with the program and working:
#   1. every long flag that `imgbaseline CMD --help` prints is among that command's options
#      in the bash file and in the zsh file's function for CMD, and every format that
#      `scan --help` lists is offered for scan's --format in both;
#   2. bash: the file is sourced and _imgbaseline driven as bash's programmable completion
#      calls it (COMP_WORDS/COMP_CWORD), alone and after bash-completion's own script;
#   3. zsh: an interactive zsh in a pseudo-terminal (tests/support/zsh_complete.zsh) loads
#      _imgbaseline with compinit and completes the same lines.
# Ids and baseline keys come from the binary under test (`rules list`).
# usage: completion_test.sh CLI SOURCE_DIR
set -uo pipefail
cli=$(realpath "$1") src=$(cd "$2" && pwd)
bashc=$src/tools/completion/imgbaseline.bash
zshc=$src/tools/completion/_imgbaseline
fails=0 checks=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- 1. the flags of every command's --help ----------------------------------------------
# zsh: the text of function _imgbaseline_CMD
zsh_fn() { awk -v f="_imgbaseline_$1() {" '$0 == f { on = 1 } on { print } on && /^}/ { exit }' "$zshc"; }
for cmd in scan diff inspect rules serve worker; do
    help=$("$cli" "$cmd" --help) || { fail "$cmd --help exited $?"; continue; }
    bash_opts=$(bash -c 'source "$1" >/dev/null; v=_imgbaseline_$2_opts; echo " ${!v} "' _ "$bashc" "$cmd" | tr -s ' \n' '  ')
    zfn=$(zsh_fn "$cmd")
    [[ -n $zfn ]] || fail "no _imgbaseline_$cmd in $zshc"
    for flag in $(grep -oE -- '(^|[ [(,])--[a-z][a-z0-9-]*' <<<"$help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
        checks=$((checks + 1))
        [[ $bash_opts == *" $flag "* ]] || fail "bash: $cmd $flag is not completed"
        grep -qE -- "'(\([^)]*\))?(\*)?$flag[=+\[]|\{[^}]*$flag[=+]?\}" <<<"$zfn" ||
            fail "zsh: $cmd $flag is not completed"
    done
done
formats=$("$cli" scan --help | awk '/^formats:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
[[ $(wc -w <<<"$formats") -ge 9 ]] || fail "scan --help lists too few formats: $formats"
bash_formats=" $(bash -c 'source "$1" >/dev/null; echo $_imgbaseline_formats' _ "$bashc") "
zscan=$(zsh_fn scan | grep -- "--format")
for f in $formats; do
    checks=$((checks + 1))
    [[ $bash_formats == *" $f "* ]] || fail "bash: format $f is not completed"
    grep -qE -- "[( ]$f[ )]" <<<"$zscan" || fail "zsh: format $f is not completed"
done

# ---- 2. bash, driven ------------------------------------------------------------------------
# bash_complete PRELUDE WORD...: the candidates for the last word, one a line
bash_complete() {
    local prelude=$1; shift
    bash -c '
        [[ -n $2 ]] && source "$2" >/dev/null 2>&1
        source "$1"
        shift 2
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _imgbaseline
        printf "%s\n" "${COMPREPLY[@]}"' _ "$bashc" "$prelude" "$@"
}
# expect SHELL WANT|-NOTWANT... -- WORD...: the candidates hold each WANT and no NOTWANT
expect() {
    local shell=$1; shift
    local wants=()
    while [[ $1 != -- ]]; do wants+=("$1"); shift; done
    shift
    local got
    if [[ $shell == zsh ]]; then
        got=$(cd "$work" && zsh -f "$src/tests/support/zsh_complete.zsh" "$src/tools/completion" \
              "$cli" "imgbaseline $*" | sed 's/^CAND://')
    else
        got=$(cd "$work" && bash_complete "$shell" "$cli" "$@")
    fi
    for w in "${wants[@]}"; do
        checks=$((checks + 1))
        if [[ $w == -* && $w != --* && $w != -[a-z] ]]; then
            grep -qxF -- "${w#-}" <<<"$got" && fail "${shell:-bash}: '$*' offers ${w#-}"
        else
            grep -qxF -- "$w" <<<"$got" || fail "${shell:-bash}: '$*' does not offer $w (got: $(echo $got))"
        fi
    done
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
touch "$work/app.tar" "$work/app-ignore.yaml"
mkdir "$work/rulesdir"

run_cases() { # SHELL (bash: the prelude to source first, "" for none; or zsh)
    local s=$1
    expect "$s" scan diff inspect rules version -- ""
    expect "$s" --format -- scan --for
    expect "$s" junit sarif html table json aliyun-build-risk-images -- scan --format ""
    expect "$s" text json -junit -- inspect --format ""
    # zsh's _sequence offers the word after the comma, bash the whole list
    expect "$s" "$([[ $s == zsh ]] && echo MEDIUM || echo HIGH,MEDIUM)" -- scan -s HIGH,ME
    expect "$s" debian10_ssh -- scan --baseline debian10_s
    expect "$s" ak_leak.access_key -- diff -i ak_leak.a
    expect "$s" debian10.ssh.permit_root_login -- rules show debian10.ssh.permit_r
    expect "$s" list show validate -- rules ""
    expect "$s" docker:// docker-archive: -- scan doc
    expect "$s" app.tar -- scan ap
    expect "$s" rulesdir -app.tar -- scan --rules ""
    expect "$s" local_image registry -- scan --image-type ""
    expect "$s" --ignore-file -- diff --ignore-f
    expect "$s" --weak-password-budget -- worker --weak
    if [[ $s != zsh ]]; then
        expect "$s" junit -- scan --format=j
        expect "$s" -app.tar -- scan --page-size ""
    fi
}
run_cases ""
bc=/usr/share/bash-completion/bash_completion
if [[ -f $bc ]]; then
    run_cases "$bc"
else
    fail "bash-completion is not installed (tools/dev.sh installs it)"
fi
if command -v zsh >/dev/null; then
    run_cases zsh
else
    fail "zsh is not installed (tools/dev.sh installs it)"
fi

echo "completion: $checks checks"
if ((fails)); then
    echo "0 passed, $fails failed"
    exit 1
fi
echo "$checks passed, 0 failed"
