# tests/unit/unit.mk: host unit tests (cmocka) of the kernel's pure modules.
# Each tests/unit/test_X.c becomes $(B)/unit/test_X, linked with exactly the
# kernel sources it tests, compiled for the host with ASan and UBSan.
# Included through tests/tests.mk (make unit-tests); alone: make -f tests/unit/unit.mk unit-tests

B ?= build
HOSTCC ?= gcc
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. -fsanitize=address,undefined
UNIT_LDLIBS := -lcmocka

UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/unit/%,$(wildcard tests/unit/test_*.c))

# The module(s) each test links besides its own file: UNIT_DEPS_test_X lines,
# kept in tests/unit/deps-*.mk (one fragment per area, so areas do not collide).
include $(wildcard tests/unit/deps-*.mk)

unit_objs = $(patsubst %.c,$(B)/unit/obj/%.o,tests/unit/$(1).c $(UNIT_DEPS_$(1)))

.PHONY: unit-tests
unit-tests: $(UNIT_TESTS)

# The stem here is shorter than in the kernel's $(B)/%.o rule, so GNU make picks this one.
$(B)/unit/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_CFLAGS) -MMD -MP -c $< -o $@

$(foreach t,$(UNIT_TESTS),$(eval $(t): $(call unit_objs,$(notdir $(t)))))
$(UNIT_TESTS):
	$(HOSTCC) $(UNIT_CFLAGS) $^ -o $@ $(UNIT_LDLIBS)

-include $(shell find $(B)/unit -name '*.d' 2>/dev/null)
