#!/bin/sh
# Runs one libFuzzer target with its dictionary and the real size limits,
# then folds what it found into the checked-in corpus (minimized).
#
#   tests/fuzz/run.sh NAME [SECONDS] [extra libFuzzer flags...]
#
# NAME is a target without fuzz_ (gateway, sip_frame, xmpp_stanza, ...),
# built with -DSIPXMPP_FUZZ=ON -DCMAKE_C_COMPILER=clang into $BUILD
# (default build-fuzz). SIP inputs go up to 65,536 bytes (max_message_bytes),
# stanzas and gateway scripts up to 262,144 (max_stanza_bytes): libFuzzer's
# own default, 4,096, never reaches either limit.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
name=${1:?usage: run.sh NAME [SECONDS] [flags...]}
secs=${2:-300}
[ $# -ge 2 ] && shift 2 || shift $#
build=${BUILD:-$root/build-fuzz}
bin=$build/tests/fuzz/fuzz_$name
corpus=$here/corpus/$name
work=${WORK:-$build/fuzz-work/$name}

case $name in
gateway|xmpp_in)	dicts="sip xmpp gateway"; max=262144 ;;
sip_stack)	dicts="sip gateway"; max=262144 ;;
sip_errors)	dicts="sip xmpp"; max=65536 ;;
xmpp_stanza)	dicts="xmpp"; max=262144 ;;
pidf)		dicts="sip xmpp"; max=65536 ;;
conference_info)	dicts="sip xmpp"; max=262144 ;;	# CI_MAX_BODY
iscomposing)	dicts="xmpp"; max=8192 ;;	# ISCOMPOSING_MAX_BODY
sip_*|address|content|cpim)	dicts="sip"; max=65536 ;;
*)		dicts=""; max=65536 ;;
esac

mkdir -p "$work/new"
dict=$work/all.dict
: > "$dict"
for d in $dicts; do
	cat "$here/$d.dict" >> "$dict"
done
set -- -max_len=$max -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$work/" "$@"
[ -s "$dict" ] && set -- -dict="$dict" "$@"
# New inputs land in the work dir; the corpus is only read.
"$bin" "$@" -max_total_time="$secs" -print_final_stats=1 \
    "$work/new" "$corpus"
# Minimize: add to the checked-in corpus the fewest inputs that cover the
# edges it lacks (edges only, not hit counts: tens to hundreds of files).
"$bin" -set_cover_merge=1 -use_counters=0 -max_len=$max "$corpus" "$work/new"
