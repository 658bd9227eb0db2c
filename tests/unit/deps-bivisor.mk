# tests/unit/deps-bivisor.mk: the unit test of bvm's bivisor accelerator (its pure conversions).
UNIT_DEPS_test_bivisor := hosted/bivisor.c
