# bash completion for imgbaseline                                    -*- shell-script -*-
#
# Installed by `cmake --install` as share/bash-completion/completions/imgbaseline (loaded on
# demand by bash-completion); without bash-completion, `source` this file.  Kept in step with
# the program's option tables: tests/completion_test.sh fails when a long flag that any
# command's --help prints, or a format `scan --help` lists, is missing here or in
# _imgbaseline (zsh), and drives this function as bash would.
#
# Baseline keys (--baseline) and item ids (-i/--ignore) come from `imgbaseline rules list`
# of the binary being completed, so they follow the installed rules.

_imgbaseline_commands="inspect scan rules diff serve worker help version"
_imgbaseline_formats="json table sarif html junit aliyun-baseline-check-result
    aliyun-build-risk-images huawei-risk-configs huawei-baseline-statistic"

# Options per command; the ones in _imgbaseline_flags take no value.
_imgbaseline_scan_opts="-f --format -o --output -q --quiet --lang -s --severity --show-passed
    --evidence -i --ignore --allow-incomplete --rules --no-default-rules --baseline --image
    --platform --no-verify -j --jobs --images-from --parallel --creds --authfile --tls-verify
    --registry-timeout --weak-password-budget --dict --dict-replace --ignore-file --fail-on
    --exit-code --only-own --base-image --base-layers --store --tenant --repo-namespace
    --repo-name --tag --retention --job --worker
    --image-uuid --risk-level --criteria --criteria-type --page-size --current-page
    --scan-range --risk-key --status --region-id --instance-id --image-type --offset --limit
    --namespace --image-name --image-version --image-id --check-name --huawei-severity
    --standard --enterprise-project-id -h --help"
_imgbaseline_diff_opts="-f --format -o --output --lang --rules --no-default-rules --image
    --platform --no-verify -j --jobs --weak-password-budget --ignore-file -i --ignore --fail-on
    --exit-code --only-own --base-image --base-layers -s --severity --allow-incomplete
    --risk-level -q --quiet -h --help"
_imgbaseline_inspect_opts="-f --format --image --platform --no-verify -j --jobs --creds
    --authfile --tls-verify --registry-timeout -h --help"
_imgbaseline_rules_opts="--rules --no-default-rules --lang -h --help"
_imgbaseline_serve_opts="--listen --store --credentials --images-dir --upload-dir --workers
    --threads --timeout --lease --max-body --max-upload --weak-password-budget -h --help"
_imgbaseline_worker_opts="--store --lease -j --jobs --weak-password-budget -h --help"
_imgbaseline_flags=" -q --quiet --show-passed --allow-incomplete --no-default-rules
    --no-verify --only-own -h --help "

# `imgbaseline rules list` column: 1 baseline keys (lines without indent), 2 item ids.
_imgbaseline_rules_words()
{
    local bin=$1 which=$2
    "$bin" rules list --lang en 2>/dev/null | awk -v w="$which" '
        w == 1 && /^[^ ]/ { print $1 }
        w == 2 && /^  [^ ]/ { print $1 }'
}

# Complete the last element of a comma-separated list from the words in $2.
_imgbaseline_list()
{
    local cur=$1 words=$2 head=""
    [[ $cur == *,* ]] && head=${cur%,*},
    COMPREPLY=($(compgen -P "$head" -W "$words" -- "${cur##*,}"))
    [[ ${#COMPREPLY[@]} == 1 ]] && compopt -o nospace 2>/dev/null
}

_imgbaseline_files()
{
    if declare -F _filedir >/dev/null; then
        _filedir "$@"
    elif [[ ${1:-} == -d ]]; then
        COMPREPLY=($(compgen -d -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

# The value of option $prev for command $cmd; returns 1 when $prev takes no value.
_imgbaseline_value()
{
    local cmd=$1 prev=$2 bin=$3
    case $prev in
    -f | --format)
        case $cmd in
        inspect) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
        diff) COMPREPLY=($(compgen -W "json table sarif html" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "$_imgbaseline_formats" -- "$cur")) ;;
        esac ;;
    --lang) COMPREPLY=($(compgen -W "zh en" -- "$cur")) ;;
    -s | --severity) _imgbaseline_list "$cur" "HIGH MEDIUM LOW CRITICAL UNKNOWN" ;;
    --risk-level) _imgbaseline_list "$cur" "high medium low" ;;
    --scan-range) _imgbaseline_list "$cur" "image container" ;;
    --fail-on) COMPREPLY=($(compgen -W "high medium low" -- "$cur")) ;;
    --evidence) COMPREPLY=($(compgen -W "all first" -- "$cur")) ;;
    --tls-verify) COMPREPLY=($(compgen -W "true false" -- "$cur")) ;;
    --status) COMPREPLY=($(compgen -W "0 1 2" -- "$cur")) ;;
    --image-type)
        COMPREPLY=($(compgen -W "private_image shared_image local_image instance_image
            registry local cicd" -- "$cur")) ;;
    --criteria-type)
        COMPREPLY=($(compgen -W "BaselineNameAlias BaselineClassAlias RepoNamespace RepoName" \
            -- "$cur")) ;;
    --huawei-severity) COMPREPLY=($(compgen -W "Security Low Medium High" -- "$cur")) ;;
    --standard) COMPREPLY=($(compgen -W "cn_standard hw_standard" -- "$cur")) ;;
    --platform)
        COMPREPLY=($(compgen -W "linux/amd64 linux/arm64 linux/arm/v7 linux/arm/v6 linux/386
            linux/ppc64le linux/s390x linux/riscv64" -- "$cur")) ;;
    --baseline) COMPREPLY=($(compgen -W "$(_imgbaseline_rules_words "$bin" 1)" -- "$cur")) ;;
    -i | --ignore | --risk-key)
        COMPREPLY=($(compgen -W "$(_imgbaseline_rules_words "$bin" 2)" -- "$cur")) ;;
    -o | --output | --ignore-file | --dict | --dict-replace | --images-from | --authfile | \
        --base-image | --credentials | --store)
        _imgbaseline_files ;;
    --rules | --images-dir | --upload-dir) _imgbaseline_files -d ;;
    *)
        # any other option of the table takes a value the shell cannot guess (N, a name)
        [[ " $_imgbaseline_flags " == *" $prev "* || $prev != -* ]] && return 1
        local opts=_imgbaseline_${cmd}_opts
        [[ " ${!opts} " == *[[:space:]]$prev[[:space:]]* ]] || return 1
        COMPREPLY=() ;;
    esac
    return 0
}

_imgbaseline()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -s || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        if [[ $cur == --*=* ]]; then # as _init_completion -s splits --opt=value
            prev=${cur%%=*}
            cur=${cur#*=}
        fi
    fi
    local bin=${words[0]} cmd="" i
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} != -* ]]; then
            cmd=${words[i]}
            break
        fi
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$_imgbaseline_commands --help --version" -- "$cur"))
        return
    fi
    case $cmd in
    help)
        COMPREPLY=($(compgen -W "$_imgbaseline_commands" -- "$cur"))
        return ;;
    version) return ;;
    esac
    _imgbaseline_value "$cmd" "$prev" "$bin" && return
    if [[ $cur == -* ]]; then
        local opts=_imgbaseline_${cmd}_opts
        COMPREPLY=($(compgen -W "${!opts}" -- "$cur"))
        return
    fi
    case $cmd in
    rules)
        local sub="" j
        for ((j = i + 1; j < cword; j++)); do
            [[ ${words[j]} != -* ]] && { sub=${words[j]}; break; }
        done
        case $sub in
        "") COMPREPLY=($(compgen -W "list show validate" -- "$cur")) ;;
        show) COMPREPLY=($(compgen -W "$(_imgbaseline_rules_words "$bin" 2)" -- "$cur")) ;;
        validate) _imgbaseline_files -d ;;
        esac ;;
    scan | diff | inspect)
        # images: archives and layouts, or a transport prefix
        if [[ $cur == d* || $cur == o* ]] && [[ $cur != */* ]]; then
            COMPREPLY=($(compgen -W "docker:// oci: oci-archive: docker-archive:" -- "$cur"))
            [[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace 2>/dev/null
        fi
        local saved=("${COMPREPLY[@]}")
        _imgbaseline_files
        COMPREPLY=("${saved[@]}" "${COMPREPLY[@]}") ;;
    esac
}

complete -F _imgbaseline imgbaseline
