#!/bin/bash
# First stage of a lab that installs packages (exec'd by init.sh as PID 1, modules loaded): a
# throw-away root (overlay-root.sh), then init.sh again inside it to run the scenario.
set -u
source "$LAB_DIR/overlay-root.sh"
prepare_overlay_root
pivot_to_overlay_root
exec env LAB_BOOT=overlay-ready bash "$LAB_DIR/init.sh"
