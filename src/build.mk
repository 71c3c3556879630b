# src/build.mk - compiles roma; driven by build.sh, which sets
#   O        output directory (build/release or build/dev)
#   FLAVOR   release (static musl) or dev (glibc, ASan+UBSan, unit tests)
#   CC       the compiler (musl-gcc wrapper for release)
#   SYSROOT  prefix holding the vendored libraries (include/, lib/)
.SUFFIXES:
.DELETE_ON_ERROR:

WARN := -std=c11 -Wall -Wextra -Werror -Wformat=2 -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wvla \
	-Wpointer-arith -Wundef -Wimplicit-fallthrough -fno-common
CPPFLAGS := -Isrc -I$(O)/gen -I$(SYSROOT)/include -I$(SYSROOT)/include/cjson -I$(SYSROOT)/include/fuse3 -DCURL_STATICLIB
LIBS := -L$(SYSROOT)/lib -lcurl -lmbedtls -lmbedx509 -lmbedcrypto -lz \
	-lfuse3 -lexpat -lcjson -lpthread -ldl

ifeq ($(FLAVOR),release)
CFLAGS := $(WARN) -O2 -g -fstack-protector-strong -ffunction-sections \
	-fdata-sections -ffile-prefix-map=$(CURDIR)=.
LDFLAGS := -static -Wl,--gc-sections
else
CFLAGS := $(WARN) -O1 -g3 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -DROMA_DEVBUILD
LDFLAGS := -fsanitize=address,undefined
endif

SRCS := $(sort $(wildcard src/*/*.c))
ASMS := $(sort $(wildcard src/*/*.S))
OBJS := $(SRCS:%.c=$(O)/obj/%.o) $(ASMS:%.S=$(O)/obj/%.o)
MAIN := $(O)/obj/src/main.o
UNIT := $(patsubst tests/unit/%.c,$(O)/tests/%,$(sort $(wildcard tests/unit/test_*.c)))
FUZZ := $(patsubst tests/fuzz/%.c,$(O)/tests/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))

roma: $(O)/roma
all: $(O)/roma $(UNIT) $(FUZZ)

$(O)/roma: $(MAIN) $(O)/libroma.a
	$(CC) $(LDFLAGS) -o $@ $(MAIN) $(O)/libroma.a $(LIBS)

$(O)/libroma.a: $(OBJS)
	rm -f $@
	ar rcs $@ $(OBJS)

# Each object also leaves its compile command for compile_commands.json.
$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@) $(O)/compile_commands.d
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@
	@printf '{"directory":"%s","file":"%s","command":"%s"}\n' "$(CURDIR)" "$<" \
	    "$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@" \
	    >$(O)/compile_commands.d/$(subst /,_,$<).json

$(O)/obj/%.o: %.S build/gen/cabundle.z
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DCABUNDLE_Z='"build/gen/cabundle.z"' -c $< -o $@

$(O)/tests/test_%: tests/unit/test_%.c $(O)/libroma.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -MMD -MP -o $@ $< \
	    $(O)/libroma.a $(LIBS) -lcmocka $(LDFLAGS)

$(O)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(O)/libroma.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -MMD -MP -o $@ $< \
	    tests/fuzz/replay_main.c $(O)/libroma.a $(LIBS) $(LDFLAGS)

# Tests too: a change to a shared harness header rebuilds its users.
-include $(OBJS:.o=.d) $(MAIN:.o=.d) $(UNIT:=.d) $(FUZZ:=.d)
.PHONY: roma all
