#ifndef AURA_CCURL_SHIM_H
#define AURA_CCURL_SHIM_H
#include <curl/curl.h>
/* curl_easy_setopt/getinfo are variadic, which Swift cannot call; these typed wrappers can be. */
typedef size_t (*aura_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode aura_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode aura_curl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode aura_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode aura_curl_setopt_write_cb(CURL *h, aura_curl_data_cb cb) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb); }
static inline CURLcode aura_curl_setopt_read_cb(CURL *h, aura_curl_data_cb cb) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, cb); }
static inline CURLcode aura_curl_setopt_header_cb(CURL *h, aura_curl_data_cb cb) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb); }
static inline CURLcode aura_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
#endif
