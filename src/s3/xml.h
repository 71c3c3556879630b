/*
 * xml - S3's XML replies, parsed with expat.  The only module that includes
 * expat.
 */
#ifndef S3_XML_H
#define S3_XML_H

/* expat's version, e.g. "2.8.3". */
const char *xml_version(void);

#endif
