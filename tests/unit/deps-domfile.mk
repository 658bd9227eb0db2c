# tests/unit/deps-domfile.mk: bvm's domain files (hosted/domfile.c).
UNIT_DEPS_test_domfile := hosted/domfile.c
