// Redirect targets and origins: what decides where credentials may go.
#include "registry/url.h"

#include <gtest/gtest.h>


namespace ocitree::registry {
namespace {

TEST(RegistryUrlTest, ResolvesRedirects) {
  EXPECT_EQ(*ResolveUrl("https://r.io/v2/a/blobs/x", "https://s3.example/b?sig=1"), "https://s3.example/b?sig=1");
  EXPECT_EQ(*ResolveUrl("https://r.io/v2/a/blobs/x", "/storage/x"), "https://r.io/storage/x");
  EXPECT_EQ(*ResolveUrl("https://r.io/v2/a/blobs/x", "y?z=1"), "https://r.io/v2/a/blobs/y?z=1");
  EXPECT_EQ(*ResolveUrl("http://127.0.0.1:5000/v2/", "//other:81/p"), "http://other:81/p");
  EXPECT_FALSE(ResolveUrl("https://r.io/", "file:///etc/passwd").ok());
  EXPECT_FALSE(ResolveUrl("https://r.io/", "ftp://x/y").ok());
}

TEST(RegistryUrlTest, Origins) {
  EXPECT_EQ(*UrlOrigin("https://R.io/v2/"), "https://r.io:443");
  EXPECT_EQ(*UrlOrigin("https://r.io:443/x"), "https://r.io:443");
  EXPECT_EQ(*UrlOrigin("http://r.io/x"), "http://r.io:80");
  EXPECT_EQ(*UrlOrigin("http://127.0.0.1:5000/v2/"), "http://127.0.0.1:5000");
  EXPECT_NE(*UrlOrigin("http://127.0.0.1:5000/"), *UrlOrigin("http://127.0.0.1:5001/"));
  EXPECT_NE(*UrlOrigin("http://r.io/"), *UrlOrigin("https://r.io/"));
  EXPECT_EQ(*UrlOrigin("http://[::1]:5000/v2/"), "http://[::1]:5000");
  EXPECT_FALSE(UrlOrigin("not a url").ok());
  EXPECT_EQ(UrlScheme("HTTPS://x/"), "https");
  EXPECT_EQ(UrlScheme("nope"), "");
}

TEST(RegistryUrlTest, QueryEscape) {
  EXPECT_EQ(QueryEscape("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
  EXPECT_EQ(QueryEscape("a b&c=d~-._"), "a%20b%26c%3Dd~-._");
}

}  // namespace
}  // namespace ocitree::registry
