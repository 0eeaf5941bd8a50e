// GVariant codec tests. Reference bytes and texts were produced with glib
// 2.74 (python3-gi: GLib.Variant(...).get_data_as_bytes() / .print_(False))
// and by libostree (FORMATS.md §1.6); they are embedded as constants.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/checksum.h"
#include "gvariant/builder.h"
#include "gvariant/type_info.h"
#include "gvariant/view.h"

namespace ocitree::gvariant {
namespace {

Bytes Hex(std::string_view hex) {
  Bytes out;
  int hi = -1;
  for (char c : hex) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

std::string ToHex(ByteView b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += kDigits[x >> 4];
    s += kDigits[x & 15];
  }
  return s;
}

Bytes Concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes LittleEndian(uint64_t v, size_t n) {
  Bytes out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return out;
}

View MustParse(std::string_view type, const Bytes& data) {
  Result<View> v = View::Parse(type, data);
  EXPECT_TRUE(v.ok()) << type << " " << ToHex(data) << ": " << v.status().message();
  return v.ok() ? *v : View();
}

bool Normal(std::string_view type, const Bytes& data) { return View::Parse(type, data).ok(); }
bool Lenient(std::string_view type, const Bytes& data) {
  return View::Parse(type, data, /*require_normal=*/false).ok();
}

// ---- type info ------------------------------------------------------------

TEST(GVariantTypeInfo, AlignmentAndFixedSize) {
  struct Case {
    const char* type;
    size_t align, fixed;
  } cases[] = {
      {"y", 1, 1},     {"b", 1, 1},       {"n", 2, 2},        {"q", 2, 2},      {"i", 4, 4},
      {"u", 4, 4},     {"h", 4, 4},       {"x", 8, 8},        {"t", 8, 8},      {"d", 8, 8},
      {"s", 1, 0},     {"o", 1, 0},       {"g", 1, 0},        {"v", 8, 0},      {"ay", 1, 0},
      {"at", 8, 0},    {"mi", 4, 0},      {"()", 1, 1},       {"(())", 1, 1},   {"(yy)", 1, 2},
      {"(uy)", 4, 8},  {"(ty)", 8, 16},   {"(yt)", 8, 16},    {"{yy}", 1, 2},   {"{sv}", 8, 0},
      {"(uuua(ayay))", 4, 0},             {"a{sv}", 8, 0},    {"(nqixthdbb)", 8, 48},
  };
  for (const Case& c : cases) {
    Result<TypeInfo> info = InfoOf(c.type);
    ASSERT_TRUE(info.ok()) << c.type;
    EXPECT_EQ(info->alignment, c.align) << c.type;
    EXPECT_EQ(info->fixed_size, c.fixed) << c.type;
  }
}

TEST(GVariantTypeInfo, CompleteTypeLengthAndMembers) {
  EXPECT_EQ(*CompleteTypeLength("a{sv}u"), 5u);
  EXPECT_EQ(*CompleteTypeLength("(a(say)a(sayay))"), 16u);
  EXPECT_EQ(*CompleteTypeLength("mmiy"), 3u);
  auto members = MemberTypes("(a{sv}aya(say)sstayay)");
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(*members, (std::vector<std::string_view>{"a{sv}", "ay", "a(say)", "s", "s", "t", "ay", "ay"}));
  EXPECT_EQ(*MemberTypes("a(say)"), (std::vector<std::string_view>{"(say)"}));
  EXPECT_EQ(*MemberTypes("{sv}"), (std::vector<std::string_view>{"s", "v"}));
  EXPECT_TRUE(MemberTypes("()")->empty());
  EXPECT_FALSE(MemberTypes("u").ok());
}

TEST(GVariantTypeInfo, RejectsInvalidTypes) {
  for (const char* t : {"", "z", "a", "m", "(", "(y", "{y}", "{yyy}", "{vy}", "{ayy}", "ayy", "r", "*",
                        "?", "a{sv", ")", "(y))"}) {
    EXPECT_FALSE(InfoOf(t).ok()) << t;
  }
  EXPECT_EQ(InfoOf("q(").status().code(), ErrorCode::kInvalidArgument);
}

TEST(GVariantTypeInfo, NestingLimitLikeGlib) {
  EXPECT_TRUE(InfoOf(std::string(128, 'a') + "y").ok());
  EXPECT_FALSE(InfoOf(std::string(129, 'a') + "y").ok());
  EXPECT_TRUE(InfoOf(std::string(128, '(') + "y" + std::string(128, ')')).ok());
  // Like glib, the budget is spent per member: 129 levels of "()" pass,
  // but not with a value at the bottom.
  EXPECT_TRUE(InfoOf(std::string(129, '(') + std::string(129, ')')).ok());
  EXPECT_FALSE(InfoOf(std::string(129, '(') + "y" + std::string(129, ')')).ok());
  EXPECT_FALSE(CompleteTypeLength(std::string(100000, 'm') + "y").ok());
}

// ---- glib vectors: parse, read back, print ---------------------------------

struct GlibVector {
  const char* type;
  const char* hex;
  const char* text;
};

// (ya(ty)mstv): also rebuilt with the builders below.
const char kTupleMixHex[] =
    "01000000000000000200000000000000030000000000000004000000000000000500000000000000"
    "780000000000000006000000000000006865790000732b28";

const GlibVector kGlibVectors[] = {
    {"as", "610062630000020506", "['a', 'bc', '']"},
    {"a{sv}", "6b00000000000000050000000075020f", "{'k': <uint32 5>}"},
    {"(ya(ty)mstv)", kTupleMixHex, "(0x01, [(2, 0x03), (4, 0x05)], 'x', 6, <'hey'>)"},
    {"ms", "780000", "'x'"},
    {"mi", "05000000", "5"},
    {"mas", "00", "[]"},
    {"mmi", "", "nothing"},
    {"(nqixthdbb)",
     "feff0300fcfffffffbffffffffffffff06000000000000000700000000000000000000000000f83f0100000000000000",
     "(-2, 3, -4, -5, 6, 7, 1.5, true, false)"},
    {"aay", "616263020203", "[[0x61, 0x62], [], [0x63]]"},
    {"a(uu)", "01000000020000000300000004000000", "[(1, 2), (3, 4)]"},
    {"(yy)", "0102", "(0x01, 0x02)"},
    {"(uy)", "0100000002000000", "(1, 0x02)"},
    {"()", "00", "()"},
    {"a()", "0000", "[(), ()]"},
    {"(s())", "61000002", "('a', ())"},
    {"{sv}", "61000000000000000100617902", "{'a', <[byte 0x01]>}"},
    {"(og)", "2f612f6200617b73767d0005", "('/a/b', 'a{sv}')"},
    {"v", "780002006173", "<['x']>"},
    {"mv", "01000000006900", "<1>"},
    {"a{ss}", "61006200026300640002050a", "{'a': 'b', 'c': 'd'}"},
    {"(sayv)", "7300000100000000010000000200000000286969290402", "('s', [0x00, 0x01], <(1, 2)>)"},
    {"(dy)", "000000000000d03f0900000000000000", "(0.25, 0x09)"},
    {"a(yt)", "01000000000000000200000000000000", "[(0x01, 2)]"},
    {"(asas)", "00", "([], [])"},
    // Metadata-style a{sv} exercising the text printer (glib's output).
    {"a{sv}",
     "610000000000000069742773000073026200000000000000010200617902000063000000000000006869000061"
     "790200640000000000000000000000000100000074020000000000650000000000000001006202000000006600"
     "000000000000006173020000000067000000000000009a9999999999b93f00640200000000006800000000000000"
     "01000000020000000028757529020000690000000000000003000000006d69026a000000000000002f7800006f02"
     "00006b0000000000000074616209686572655c20c3a9000073026c00000000000000f9ffffffffffffff00780200"
     "000000006d000000000000007a00000001000000020900617b73757d02000000000000006e00000000000000006d"
     "730210001e002f004300540064007b009600a800b600d000e30001011401",
     "{'a': <\"it's\">, 'b': <[byte 0x01, 0x02]>, 'c': <b'hi'>, 'd': <uint64 1099511627776>, "
     "'e': <true>, 'f': <@as []>, 'g': <0.10000000000000001>, 'h': <(uint32 1, uint32 2)>, "
     "'i': <@mi 3>, 'j': <objectpath '/x'>, 'k': <'tab\\there\\\\ \u00e9'>, 'l': <int64 -7>, "
     "'m': <{'z': uint32 1}>, 'n': <@ms nothing>}"},
};

TEST(GVariantView, GlibVectorsParseAndPrint) {
  for (const GlibVector& g : kGlibVectors) {
    Bytes data = Hex(g.hex);
    View v = MustParse(g.type, data);
    EXPECT_EQ(v.ToText(), g.text) << g.type;
    EXPECT_TRUE(Lenient(g.type, data)) << g.type;
  }
}

TEST(GVariantBuilder, ReproducesGlibBytes) {
  ArrayBuilder as("s");
  as.Add(String("a")).Add(String("bc")).Add(String(""));
  EXPECT_EQ(ToHex(as.Finish()), "610062630000020506");

  ArrayBuilder asv("{sv}");
  asv.Add(TupleBuilder().Add("s", String("k")).Add("v", Variant("u", Uint32(5))).Finish());
  EXPECT_EQ(ToHex(asv.Finish()), "6b00000000000000050000000075020f");

  ArrayBuilder aty("(ty)");
  aty.Add(TupleBuilder().Add("t", Uint64(2)).Add("y", Byte(3)).Finish());
  aty.Add(TupleBuilder().Add("t", Uint64(4)).Add("y", Byte(5)).Finish());
  Bytes ms = Concat({String("x"), Byte(0)});  // Just "x": child then a zero byte
  Bytes mix = TupleBuilder()
                  .Add("y", Byte(1))
                  .Add("a(ty)", aty.Finish())
                  .Add("ms", ms)
                  .Add("t", Uint64(6))
                  .Add("v", Variant("s", String("hey")))
                  .Finish();
  EXPECT_EQ(ToHex(mix), kTupleMixHex);

  Bytes scalars = TupleBuilder()
                      .Add("n", LittleEndian(static_cast<uint16_t>(-2), 2))
                      .Add("q", LittleEndian(3, 2))
                      .Add("i", Uint32(static_cast<uint32_t>(-4)))
                      .Add("x", Uint64(static_cast<uint64_t>(-5)))
                      .Add("t", Uint64(6))
                      .Add("h", Uint32(7))
                      .Add("d", Hex("000000000000f83f"))
                      .Add("b", Bool(true))
                      .Add("b", Bool(false))
                      .Finish();
  EXPECT_EQ(ToHex(scalars),
            "feff0300fcfffffffbffffffffffffff06000000000000000700000000000000000000000000f83f"
            "0100000000000000");

  EXPECT_EQ(ToHex(TupleBuilder().Add("u", Uint32(1)).Add("y", Byte(2)).Finish()), "0100000002000000");
  EXPECT_EQ(ToHex(TupleBuilder().Finish()), "00");
  EXPECT_EQ(ToHex(ArrayBuilder("()").Add(TupleBuilder().Finish()).Add(TupleBuilder().Finish()).Finish()),
            "0000");
  EXPECT_EQ(ToHex(TupleBuilder().Add("s", String("a")).Add("()", Hex("00")).Finish()), "61000002");
  EXPECT_EQ(ToHex(TupleBuilder().Add("as", {}).Add("as", {}).Finish()), "00");
  EXPECT_EQ(ToHex(Variant("as", ArrayBuilder("s").Add(String("x")).Finish())), "780002006173");

  ArrayBuilder aay("ay");
  aay.Add(Hex("6162")).Add({}).Add(Hex("63"));
  EXPECT_EQ(ToHex(aay.Finish()), "616263020203");
  Bytes sayv = TupleBuilder()
                   .Add("s", String("s"))
                   .Add("ay", Hex("0001"))
                   .Add("v", Variant("(ii)", TupleBuilder().Add("i", Uint32(1)).Add("i", Uint32(2)).Finish()))
                   .Finish();
  EXPECT_EQ(ToHex(sayv), "7300000100000000010000000200000000286969290402");
}

TEST(GVariantBuilder, RoundTripsThroughView) {
  ArrayBuilder refs("s");
  refs.Add(String("main")).Add(String("dev"));
  Bytes value = TupleBuilder()
                    .Add("u", Uint32(0xdeadbeef))
                    .Add("t", Uint64(0x0102030405060708ULL))
                    .Add("b", Bool(true))
                    .Add("as", refs.Finish())
                    .Add("ay", Hex("00ff"))
                    .Add("v", Variant("y", Byte(7)))
                    .Add("s", String("h\xc3\xa9llo"))
                    .Finish();
  View v = MustParse("(utbasayvs)", value);
  ASSERT_EQ(v.NumChildren(), 7u);
  EXPECT_EQ(v.Child(0).GetUint32(), 0xdeadbeefu);
  EXPECT_EQ(v.Child(1).GetUint64(), 0x0102030405060708ULL);
  EXPECT_TRUE(v.Child(2).GetBool());
  ASSERT_EQ(v.Child(3).NumChildren(), 2u);
  EXPECT_EQ(v.Child(3).Child(0).GetString(), "main");
  EXPECT_EQ(v.Child(3).Child(1).GetString(), "dev");
  EXPECT_EQ(ToHex(v.Child(4).GetBytes()), "00ff");
  EXPECT_EQ(v.Child(5).GetVariant().type(), "y");
  EXPECT_EQ(v.Child(5).GetVariant().GetByte(), 7);
  EXPECT_EQ(v.Child(6).GetString(), "h\xc3\xa9llo");
  EXPECT_EQ(v.ToText(), "(3735928559, 72623859790382856, true, ['main', 'dev'], [0x00, 0xff], <byte 0x07>, 'héllo')");
}

// ---- FORMATS.md §1.6 ---------------------------------------------------------

Bytes ContentStream(const Bytes& header, std::string_view payload) {
  Bytes out;
  AppendBigEndian32(out, static_cast<uint32_t>(header.size()));
  out.insert(out.end(), 4, 0);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes FileHeader(uint32_t mode, std::string_view target, const Bytes& xattrs) {
  return TupleBuilder()
      .Add("u", Uint32(ToBigEndian32(0)))
      .Add("u", Uint32(ToBigEndian32(0)))
      .Add("u", Uint32(ToBigEndian32(mode)))
      .Add("u", Uint32(ToBigEndian32(0)))
      .Add("s", String(target))
      .Add("a(ayay)", xattrs)
      .Finish();
}

TEST(GVariantFormats, E1Dirmeta) {
  Bytes dirmeta = TupleBuilder()
                      .Add("u", Uint32(ToBigEndian32(0)))
                      .Add("u", Uint32(ToBigEndian32(0)))
                      .Add("u", Uint32(ToBigEndian32(040755)))
                      .Add("a(ayay)", ArrayBuilder("(ayay)").Finish())
                      .Finish();
  EXPECT_EQ(ToHex(dirmeta), "00000000000000000000" "41ed");
  EXPECT_EQ(Sha256::Of(dirmeta).Hex(), "446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488");
  View v = MustParse("(uuua(ayay))", dirmeta);
  EXPECT_EQ(FromBigEndian32(v.Child(2).GetUint32()), 040755u);
  EXPECT_EQ(v.Child(3).NumChildren(), 0u);
}

TEST(GVariantFormats, E2EmptyDirtree) {
  Bytes tree = TupleBuilder()
                   .Add("a(say)", ArrayBuilder("(say)").Finish())
                   .Add("a(sayay)", ArrayBuilder("(sayay)").Finish())
                   .Finish();
  EXPECT_EQ(ToHex(tree), "00");
  EXPECT_EQ(Sha256::Of(tree).Hex(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  View v = MustParse("(a(say)a(sayay))", tree);
  EXPECT_EQ(v.Child(0).NumChildren(), 0u);
  EXPECT_EQ(v.Child(1).NumChildren(), 0u);
}

TEST(GVariantFormats, E3ContentHeaders) {
  Bytes plain = FileHeader(0100644, "", {});
  EXPECT_EQ(ToHex(plain), "0000000000000000000081a4000000000011");
  EXPECT_EQ(ToHex(ContentStream(plain, "hi\n")),
            "00000012000000000000000000000000000081a40000000000" "11" "68690a");
  EXPECT_EQ(Sha256::Of(ContentStream(plain, "hi\n")).Hex(),
            "fbf7cf77a1b50d9f074cb6e9ef6ddb65b6532ea89e4f4ca1b07a05b4cd1be259");

  ArrayBuilder xattrs("(ayay)");
  xattrs.Add(TupleBuilder().Add("ay", AsBytes(std::string_view("user.a\0", 7))).Add("ay", AsBytes("1")).Finish());
  xattrs.Add(TupleBuilder().Add("ay", AsBytes(std::string_view("user.b\0", 7))).Add("ay", AsBytes("2")).Finish());
  Bytes xa = xattrs.Finish();
  EXPECT_EQ(ToHex(xa), "757365722e61003107757365722e620032070912");
  Bytes with_xattrs = FileHeader(0100644, "", xa);
  EXPECT_EQ(with_xattrs.size(), 38u);
  EXPECT_EQ(ToHex(with_xattrs), "0000000000000000000081a40000000000757365722e61003107757365722e62003207091211");
  EXPECT_EQ(Sha256::Of(ContentStream(with_xattrs, "hi\n")).Hex(),
            "3d363022647c144ee10ef16ca072d6293015b667e81f063b4be7725c0b7c8579");
  View xv = MustParse("(uuuusa(ayay))", with_xattrs);
  ASSERT_EQ(xv.Child(5).NumChildren(), 2u);
  EXPECT_EQ(AsChars(xv.Child(5).Child(1).Child(0).GetBytes()), std::string_view("user.b\0", 7));
  EXPECT_EQ(AsChars(xv.Child(5).Child(1).Child(1).GetBytes()), "2");

  Bytes symlink = FileHeader(0120777, "a", {});
  EXPECT_EQ(ToHex(symlink), "00000000000000000000a1ff00000000610012");
  EXPECT_EQ(Sha256::Of(ContentStream(symlink, "")).Hex(),
            "438802d990f25270d36f902bc9ce9d0737b88f9ae0b41ed59ec9e47c28523e0a");
  EXPECT_EQ(MustParse("(uuuusa(ayay))", symlink).Child(4).GetString(), "a");
}

Bytes E4Commit(uint8_t tree_fill, uint8_t meta_fill) {
  Bytes binding = ArrayBuilder("s").Add(String("test")).Finish();
  Bytes metadata = ArrayBuilder("{sv}")
                       .Add(TupleBuilder().Add("s", String("ostree.ref-binding")).Add("v", Variant("as", binding)).Finish())
                       .Finish();
  return TupleBuilder()
      .Add("a{sv}", metadata)
      .Add("ay", {})
      .Add("a(say)", ArrayBuilder("(say)").Finish())
      .Add("s", String("subj"))
      .Add("s", String(""))
      .Add("t", Uint64(ToBigEndian64(0)))
      .Add("ay", Bytes(32, tree_fill))
      .Add("ay", Bytes(32, meta_fill))
      .Finish();
}

TEST(GVariantFormats, E4Commit) {
  Bytes c = E4Commit(0x11, 0x22);
  ASSERT_EQ(c.size(), 126u);
  // The documented positions.
  EXPECT_EQ(AsChars(ByteView(c).subspan(0x00, 19)), std::string_view("ostree.ref-binding\0", 19));
  EXPECT_EQ(ToHex(ByteView(c).subspan(0x13, 5)), "0000000000");
  EXPECT_EQ(ToHex(ByteView(c).subspan(0x18, 6)), "746573740005");
  EXPECT_EQ(ToHex(ByteView(c).subspan(0x1e, 5)), "0061731322");
  EXPECT_EQ(ToHex(ByteView(c).subspan(0x23, 6)), "7375626a0000");
  EXPECT_EQ(ToHex(ByteView(c).subspan(0x29, 15)), std::string(30, '0'));
  EXPECT_EQ(c[0x38], 0x11);
  EXPECT_EQ(c[0x58], 0x22);
  EXPECT_EQ(ToHex(ByteView(c).subspan(0x78)), "582928232323");
  // And the whole value as glib serialises it with these checksums.
  EXPECT_EQ(ToHex(c),
            "6f73747265652e7265662d62696e64696e6700000000000074657374000500617313227375626a" +
                std::string(34, '0') + std::string(64, '1') + std::string(64, '2') + "582928232323");

  View v = MustParse("(a{sv}aya(say)sstayay)", c);
  EXPECT_EQ(v.Child(1).GetBytes().size(), 0u);
  EXPECT_EQ(v.Child(2).NumChildren(), 0u);
  EXPECT_EQ(v.Child(3).GetString(), "subj");
  EXPECT_EQ(v.Child(4).GetString(), "");
  EXPECT_EQ(v.Child(5).GetUint64(), 0u);
  EXPECT_EQ(ToHex(v.Child(6).GetBytes()), std::string(64, '1'));
  EXPECT_EQ(ToHex(v.Child(7).GetBytes()), std::string(64, '2'));
  View binding;
  ASSERT_TRUE(LookupVariant(v.Child(0), "ostree.ref-binding", &binding));
  EXPECT_EQ(binding.type(), "as");
  EXPECT_EQ(binding.Child(0).GetString(), "test");
  EXPECT_FALSE(LookupVariant(v.Child(0), "ostree.missing", &binding));
  EXPECT_EQ(v.Child(0).ToText(), "{'ostree.ref-binding': <['test']>}");
}

// ---- framing-offset width boundaries ----------------------------------------

TEST(GVariantOffsets, ArrayOf255And257Bytes) {
  Bytes a255 = ArrayBuilder("s").Add(String(std::string(253, 'a'))).Finish();
  ASSERT_EQ(a255.size(), 255u);
  EXPECT_EQ(a255.back(), 0xfe);  // one-byte offset
  EXPECT_EQ(MustParse("as", a255).Child(0).GetString().size(), 253u);

  // One more byte of body pushes the size past 255: two-byte offsets.
  Bytes a257 = ArrayBuilder("s").Add(String(std::string(254, 'a'))).Finish();
  ASSERT_EQ(a257.size(), 257u);
  EXPECT_EQ(ToHex(ByteView(a257).last(2)), "ff00");
  EXPECT_EQ(MustParse("as", a257).Child(0).GetString().size(), 254u);
}

TEST(GVariantOffsets, TupleOf255And257Bytes) {
  Bytes t255 = TupleBuilder().Add("s", String("a")).Add("s", String(std::string(251, 'b'))).Finish();
  ASSERT_EQ(t255.size(), 255u);
  EXPECT_EQ(t255.back(), 0x02);
  Bytes t257 = TupleBuilder().Add("s", String("a")).Add("s", String(std::string(252, 'b'))).Finish();
  ASSERT_EQ(t257.size(), 257u);
  EXPECT_EQ(ToHex(ByteView(t257).last(2)), "0200");
  EXPECT_EQ(MustParse("(ss)", t255).Child(1).GetString().size(), 251u);
  EXPECT_EQ(MustParse("(ss)", t257).Child(1).GetString().size(), 252u);
}

TEST(GVariantOffsets, SixteenToThirtyTwoBitBoundary) {
  Bytes a65535 = ArrayBuilder("ay").Add(Bytes(65533, 7)).Finish();
  ASSERT_EQ(a65535.size(), 65535u);
  EXPECT_EQ(ToHex(ByteView(a65535).last(2)), "fdff");
  Bytes a65538 = ArrayBuilder("ay").Add(Bytes(65534, 7)).Finish();
  ASSERT_EQ(a65538.size(), 65538u);
  EXPECT_EQ(ToHex(ByteView(a65538).last(4)), "feff0000");
  EXPECT_EQ(MustParse("aay", a65535).Child(0).GetBytes().size(), 65533u);
  EXPECT_EQ(MustParse("aay", a65538).Child(0).GetBytes().size(), 65534u);
}

TEST(GVariantOffsets, NonMinimalWidthIsNotNormal) {
  // 254 bytes of element + a 2-byte offset = 256 bytes; 1-byte offsets
  // would have fit (255), so glib and we call it non-normal.
  Bytes wide = Concat({String(std::string(253, 'a')), Hex("fe00")});
  ASSERT_EQ(wide.size(), 256u);
  EXPECT_FALSE(Normal("as", wide));
  Result<View> lenient = View::Parse("as", wide, false);
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ(lenient->Child(0).GetString().size(), 253u);
  // Same for a tuple: "(sy)" whose offset could have been one byte.
  Bytes tuple = Concat({String(std::string(252, 'a')), Byte(1), Hex("fd00")});
  ASSERT_EQ(tuple.size(), 256u);
  EXPECT_FALSE(Normal("(sy)", tuple));
}

}  // namespace
}  // namespace ocitree::gvariant
