# tests/unit/deps-hc_check.mk: the hypercall and ioreq checks (kernel/hc_check.c, kernel/ioreq_check.c).
UNIT_DEPS_test_hc_check := kernel/hc_check.c kernel/ioreq_check.c drivers/iobus.c lib/format.c
