# Drive zsh's completion system as a user at a prompt does, and print what it offered.
# usage: zsh -f zsh_complete.zsh COMPLETION_DIR CLI 'imgbaseline scan --for'
# An interactive zsh in a pseudo-terminal (zsh/zpty) loads _imgbaseline from COMPLETION_DIR
# with compinit, gets the line and a TAB; every candidate handed to compadd is printed as
# "CAND:<word>", one a line.  The CLI's directory goes first on $PATH, so the completion
# runs the binary under test (`imgbaseline rules list` for ids).
zmodload zsh/zpty || exit 2
local out=${TMPDIR:-/tmp}/zsh_complete.$$
zpty z zsh -f -i
zpty -w z "PS1=''; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "path=(${(q)2:h} \$path)"
zpty -w z "compadd() { local -a a; builtin compadd -O a \"\$@\"; print -rl -- \"CAND:\${^a[@]}\" >> ${(q)out}; builtin compadd \"\$@\" }"
zpty -w z "print -r READY >> ${(q)out}"
# wait for the shell to take the set-up (a loaded machine can be slow), then type the line
# and TAB; then ^U and a marker command: zsh reads its input in order, so the marker is
# written only after the completion has run, however long it took
for i in {1..600}; do [[ -s $out ]] && break; sleep 0.1; done
zpty -w -n z "$3"$'\t'
zpty -w -n z $'\C-u'"print -r DONE >> ${(q)out}"$'\n'
for i in {1..600}; do grep -q '^DONE$' $out 2>/dev/null && break; sleep 0.1; done
zpty -d z
grep -a '^CAND:' $out | sort -u
rm -f $out
