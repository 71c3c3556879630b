#include "roma.h"
#include "s3/xml.h"

#include <stdio.h>

#include <expat.h>

const char *
xml_version(void)
{
	static char v[32];
	XML_Expat_Version x = XML_ExpatVersionInfo();

	snprintf(v, sizeof(v), "%d.%d.%d", x.major, x.minor, x.micro);
	return v;
}
