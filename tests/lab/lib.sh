# tests/lab/lib.sh: shell functions the lab scripts share (tests/lab/*.sh,
# lab-script= in tests/manifest). tests/lab_batch.py:batch_files puts it at
# /lab/lib.sh in L1 beside the scripts, which read it with `. /lab/lib.sh`.

# until_ok CMD SECONDS: waits at most SECONDS for the shell command CMD to succeed.
until_ok() {
	n=0
	until eval "$1"; do
		[ $n -ge "$2" ] && return 1
		sleep 1
		n=$((n + 1))
	done
}

# ksm_setup ZERO_PAGES PAGES_TO_SCAN: KSM stopped and set to scan fast
# (use_zero_pages as given); fails with a LAB: FAIL line without CONFIG_KSM.
K=/sys/kernel/mm/ksm
ksm_setup() {
	if [ ! -w "$K/run" ]; then
		echo "LAB: FAIL: no $K/run (a kernel without CONFIG_KSM)"
		return 1
	fi
	echo 0 >"$K/run"
	echo "$1" >"$K/use_zero_pages"
	echo 10 >"$K/sleep_millisecs"
	echo "$2" >"$K/pages_to_scan"
}
