#!/usr/bin/env bash
# shellcheck disable=SC2034  # MPIRUN is for the scripts that source this file
# For the tests/cli scripts that run attn-train under Open MPI's mpirun. Source after
# tools.bash. Without mpirun the test is skipped (exit 77, ctest's SKIP_RETURN_CODE), never
# passed; with mpirun but an attn-train built without MPI it fails, since attn-train then
# refuses to run under mpirun.
#
#   source "$(dirname "$0")/lib/mpi.bash"
#   "${MPIRUN[@]}" -np 2 "$ATTN_TRAIN" ...

if ! command -v mpirun >/dev/null; then
  echo "SKIP: mpirun not found (make deps installs openmpi-bin)"
  exit 77
fi
# Open MPI keeps its own allocations to the end of the process, which LeakSanitizer (make
# asan) would report as leaks of every rank; the single-process tests keep leak checking.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
# CI and these machines run as root, which Open MPI refuses unless told twice.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# --oversubscribe: more ranks than cores on a 2-core CI machine; --bind-to none: ranks of
# parallel ctest jobs must not all be pinned to core 0; no network interfaces are needed on one
# machine (shared memory), and probing them is slow and noisy in containers.
MPIRUN=(mpirun --oversubscribe --bind-to none --mca btl self,vader --mca btl_vader_single_copy_mechanism none)
