#!/usr/bin/env bash
# Style is checked like behaviour: clang-format on every C file of roma's
# own, shellcheck on every shell script.
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT" || exit 1

mapfile -t cfiles < <(git ls-files -co --exclude-standard -- 'src/*.[ch]' 'tests/*.[ch]')
for f in "${cfiles[@]}"; do
	if out=$(clang-format --dry-run -Werror "$f" 2>&1); then
		t_ok "clang-format $f"
	else
		t_not_ok "clang-format $f" "$(printf '%s' "$out" | head -n 3 | tr '\n' ' ')"
	fi
done

mapfile -t scripts < <(git ls-files -co --exclude-standard -- build.sh \
    vendor/build-libs.sh '.ci/*' 'tests/*.sh' 'bench/*.sh')
for f in "${scripts[@]}"; do
	t_check "shellcheck $f" shellcheck -x "$f"
done
t_done
