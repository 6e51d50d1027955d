#!/usr/bin/env bash
# The shell completions (as configured in the build directory) load in bash,
# zsh and fish without a word on stderr, and complete what they should:
# options, option values, profile names from $SANDBOX_POLICY_PATH, paths, and
# commands after "--" or the first non-option word, delegating to the
# command's own completion (sandbox's own, so the test needs no other).
# A missing shell or bash-completion fails: run scripts/deps.sh docs.
# Usage: completions.sh COMPLETIONS_BUILD_DIR
set -u
dir=$1
status=0
fail() { echo "FAIL: $*"; status=1; }
ok() { echo "ok: $*"; }

bash_completion=/usr/share/bash-completion/bash_completion
for shell in bash zsh fish; do
  command -v "$shell" >/dev/null || { echo "FAIL: $shell is not installed (scripts/deps.sh docs)"; exit 1; }
done
[[ -r $bash_completion ]] || { echo "FAIL: bash-completion is not installed (scripts/deps.sh docs)"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/p1" "$tmp/p2" "$tmp/xdg" "$tmp/home" "$tmp/files/subdir"
touch "$tmp/p1/zzdocs-alpha.json" "$tmp/p2/zzdocs-beta.json" "$tmp/p2/zzdocs-alpha.json" \
      "$tmp/p1/sandbox-policy.schema.json" "$tmp/p1/.zzdocs-hidden.json" "$tmp/p1/zzdocs-notjson" \
      "$tmp/files/zzfile"
export SANDBOX_POLICY_PATH="$tmp/p1:$tmp/p2" XDG_CONFIG_HOME="$tmp/xdg" HOME="$tmp/home"

# expect NAME GOT WANT
expect() {
  if [[ $2 == "$3" ]]; then ok "$1"; else fail "$1: got [$2], want [$3]"; fi
}

# ---- bash ----
err=$(bash -n "$dir/sandbox" 2>&1) && [[ -z $err ]] || fail "bash -n: $err"
err=$(bash --norc --noprofile -c "source $bash_completion; source '$dir/sandbox'; complete -p sandbox" 2>&1)
expect "bash: sources with bash-completion" "$err" "complete -F _sandbox sandbox"

# bash_complete LINE WORD... : COMPREPLY (sorted, one line) for the words,
# the last one being completed; LINE is what was typed (COMP_LINE).
bash_complete() {
  local line=$1
  shift
  bash --norc --noprofile -c '
    source "$1"; source "$2"; line=$3; shift 3
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE=$line; COMP_POINT=${#line}
    _sandbox sandbox "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
    printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " "' \
    _ "$bash_completion" "$dir/sandbox" "$line" "$@"
}
expect "bash: --ro" "$(bash_complete 'sandbox --ro' sandbox --ro)" "--ro --rox "
expect "bash: --tsync values" "$(bash_complete 'sandbox --tsync ' sandbox --tsync '')" "auto emulate kernel "
expect "bash: --tsync k" "$(bash_complete 'sandbox --tsync k' sandbox --tsync k)" "kernel "
expect "bash: --tsync=e" "$(bash_complete 'sandbox --tsync=e' sandbox --tsync = e)" "emulate "
expect "bash: --explain=" "$(bash_complete 'sandbox --explain=' sandbox --explain = '')" "json text "
expect "bash: --features=j" "$(bash_complete 'sandbox --features=j' sandbox --features = j)" "json "
expect "bash: --log-level w" "$(bash_complete 'sandbox --log-level w' sandbox --log-level w)" "warning "
expect "bash: --unrestricted-scope" "$(bash_complete 'sandbox --unrestricted-scope ' sandbox --unrestricted-scope '')" \
  "abstract_unix_socket signal "
expect "bash: --profile zzdocs" "$(bash_complete 'sandbox --profile zzdocs' sandbox --profile zzdocs)" \
  "zzdocs-alpha zzdocs-beta "
expect "bash: --rw path" "$(bash_complete "sandbox --rw $tmp/files/" sandbox --rw "$tmp/files/")" \
  "$tmp/files/subdir $tmp/files/zzfile "
expect "bash: command after --" "$(bash_complete "sandbox -- ech" sandbox -- ech)" "echo "
expect "bash: delegates after --" "$(bash_complete "sandbox --ro $tmp -- sandbox --tsync " sandbox --ro "$tmp" -- sandbox --tsync '')" \
  "auto emulate kernel "
expect "bash: delegates after COMMAND" "$(bash_complete "sandbox --explain=json sandbox --log-level e" sandbox --explain = json sandbox --log-level e)" \
  "error "

# ---- zsh ----
err=$(zsh -n "$dir/_sandbox" 2>&1) && [[ -z $err ]] || fail "zsh -n: $err"
err=$(zsh -f -c "fpath=('$dir' \$fpath); autoload -U compinit; compinit -u -d '$tmp/zcompdump1'; print -r -- \$_comps[sandbox]" 2>&1)
expect "zsh: compinit finds _sandbox on fpath" "$err" "_sandbox"
err=$(zsh -f -c "autoload -U compinit; compinit -u -d '$tmp/zcompdump2'; source '$dir/_sandbox'; print -r -- \$_comps[sandbox]" 2>&1)
expect "zsh: sources after compinit" "$err" "_sandbox"

# ---- fish ----
err=$(fish -n "$dir/sandbox.fish" 2>&1) && [[ -z $err ]] || fail "fish -n: $err"
err=$(fish --no-config -c "source '$dir/sandbox.fish'" 2>&1)
expect "fish: sources" "$err" ""

fish_complete() {
  fish --no-config -c "source '$dir/sandbox.fish'; complete -C '$1'" 2>&1 | cut -f1 | sort -u | tr '\n' ' '
}
expect "fish: --tsy" "$(fish_complete 'sandbox --tsy')" "--tsync "
expect "fish: --tsync values" "$(fish_complete 'sandbox --tsync ')" "auto emulate kernel "
expect "fish: --explain=" "$(fish_complete 'sandbox --explain=')" "--explain=json --explain=text "
expect "fish: --profile zzdocs" "$(fish_complete 'sandbox --profile zzdocs')" "zzdocs-alpha zzdocs-beta "
expect "fish: --ro path" "$(fish_complete "sandbox --ro $tmp/files/")" "$tmp/files/subdir/ $tmp/files/zzfile "
expect "fish: delegates after --" "$(fish_complete "sandbox --ro $tmp -- sandbox --tsync ")" "auto emulate kernel "
expect "fish: delegates after COMMAND" "$(fish_complete "sandbox --rw $tmp sandbox --log-level e")" "error "

exit $status
