#include "roma.h"
#include "util/md5.h"

#include <mbedtls/md5.h>

void
md5_digest(const void *p, size_t n, unsigned char out[MD5_LEN])
{
	mbedtls_md5(p, n, out);
}
