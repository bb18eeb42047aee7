/*
 * chunker.c: FastCDC content-defined chunking (Xia et al., "FastCDC: a
 * Fast and Efficient Content-Defined Chunking Approach for Data
 * Deduplication", USENIX ATC 2016), streaming.
 *
 * A Gear hash rolls over the bytes of the current chunk:
 *
 *	hash = (hash << 1) + gear[byte]
 *
 * Each step shifts the old bytes one bit further left, so after 64 steps a
 * byte has left the 64-bit word: the hash depends on the last 64 bytes
 * only, and a cut point therefore depends only on the bytes just before
 * it. The chunk ends after a byte when (hash & mask) == 0. The mask bits
 * are the TOP bits of the hash: those are the ones every byte of the
 * 64-byte window has contributed to (a low-bit mask would only see the
 * last few bytes).
 *
 * The three FastCDC refinements over plain Gear chunking:
 *
 * 1. Cut-point skipping. The first `min` bytes of a chunk are not hashed
 *    at all (a cut there is forbidden anyway); the hash starts from zero
 *    at offset `min`. This is most of FastCDC's speed: with the default
 *    16/64/512 KiB a quarter of the data is never looked at.
 *
 * 2. Normalized chunking, level 2. Below `avg` the mask has log2(avg) + 2
 *    bits (mask_s: a cut is four times less likely than 1/avg), from `avg`
 *    on it has log2(avg) - 2 bits (mask_l: four times more likely). Chunk
 *    sizes crowd around avg instead of spreading out exponentially, which
 *    keeps the dedup ratio of small chunks at the cost of big ones.
 *
 * 3. A forced cut at `max` bytes.
 *
 * So a chunk is min+1 .. max bytes long, except the last one of a file,
 * which is whatever is left (possibly shorter than min).
 *
 * Streaming: the only state is (pos, hash), the offset in the current
 * chunk and the hash so far. chunker_next() maps buffer indexes to chunk
 * offsets (offset = pos at entry + index), so the regions "skip", "mask_s"
 * and "mask_l" are plain index ranges of the buffer, and the hot loops are
 * a load, a shift-add and a test per byte whatever the buffer split. A
 * split only changes where a loop stops and resumes, never what it
 * computes: the cuts are the same for 1-byte buffers and for a whole file.
 *
 * The Gear table: 256 pseudo-random 64-bit words, the first 256 outputs of
 * splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014) seeded with 0x636169726e2d6364 ("cairn-cd"):
 *
 *	x += 0x9e3779b97f4a7c15;
 *	z = x;
 *	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
 *	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
 *	gear[i] = z ^ (z >> 31);
 *
 * The table is part of the store format: changing one bit of it moves
 * every cut and so changes every chunk id. tests/unit/test_chunker.c
 * regenerates it this way and checks the cuts against a naive reference.
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/chunker.h"
#include "util/error.h"
#include "util/banned.h"

static const uint64_t gear[256] = {
	0xfc4652696b9defa7, 0x5040ab79918a7952, 0x839b773d56ac6c5a,
	0xd9d9508c3262a46c, 0x8397d4ee042b5ba8, 0xac8340203f8bafeb,
	0xde0840575ad17e09, 0x44c45c6e4ee141da, 0x3984fd7861f59d2b,
	0x531f56f84d4fd96d, 0x5c69cbebc9f393dc, 0x5de2e2ed199595d5,
	0x799f57c70f9cfdd2, 0x17b2b07737c88d0f, 0xb7e51411ba4b6630,
	0xc26d716c1a07bd03, 0xd961713c02393e6f, 0x4e5e272ca5e283e8,
	0x0a4a7c86b788753e, 0x1088fc961ba146cb, 0xc8503812adb68fa8,
	0xb8098f480885f7f3, 0x80ea8d60989dd5fc, 0x8f5905e85924a31e,
	0x8fef5f76c6a44d41, 0x6bf95bdcd3fd0ef3, 0x8e2a35d80e951ba9,
	0x5184658d3da65db4, 0xf9268652c9a424dd, 0xe2802b89315a3faa,
	0x4bb0440f5096edd8, 0xa8cc18cf0314e91b, 0xaffbf47a5758a2bc,
	0x5b3ce95f08a05c23, 0xa0e2d553d0a577c7, 0x63cdea32bba69069,
	0x30d2dc48dcbde112, 0xf5a0cc278a5f3770, 0x9bdb8fdd493c97d6,
	0xe3d6b23ed41bd976, 0x92c667bc68ac7db5, 0xb17532d9a28350a7,
	0x7109d20e7286163c, 0x2d9b395db1e54964, 0xf9cfef6367383dbc,
	0xe79e3fad672d6930, 0x87301ea7180fe71a, 0xd5849e51b03ac142,
	0x2307d38038db1ed5, 0xb2c4d35860b1c34a, 0xc15e7daa7b779c9e,
	0x9d2b102d1ab58bf0, 0x1661d8a3ffda5032, 0x62fa7e7d4dc92e51,
	0x12a9a611b4d60ee0, 0x2ad74e4eb4b7e9a7, 0xeb3adcb83bf4e236,
	0x1cef3e3290e56260, 0x03970d4d2bc01715, 0x7e5f4993cfc68030,
	0xdfe9aaee2bc49add, 0xe2ca2422fab98a3a, 0x74a6b8de29d1f1ab,
	0xeb9c354f00fe4cd0, 0x7fd2ed32467da88f, 0xf38247553a2e27f1,
	0xbb1e0ba5f6cc31c9, 0x3f78d2d9709601bb, 0x2c824119fd7b6fc8,
	0xead5f9200e8f254e, 0x737bd9e6d93d399c, 0x7638e2bae22283ab,
	0xfd92094a2a23377e, 0xb69e2e350defd155, 0xd337bcdfdd34abe7,
	0x57470525b4887cb1, 0x676c2d8649ba9413, 0x696b18794fef6630,
	0x2532744988f7545e, 0x5626ee04551336db, 0xe2ee9836c2adef3a,
	0x0d7f076cbaaeaa00, 0x02c78e0f53f105a6, 0x26012d7311419a5d,
	0x3968383b17f7be56, 0x29755f95e3e0560d, 0xe37ef77bf65dfb5a,
	0x73d6fc175cf62089, 0xe03164b28ae01e52, 0x98d2f8868e4dfdca,
	0x4eb0cef9e4769595, 0xbd0a91531dcd9ac0, 0x0abca600e37e9f33,
	0x429bffbb17a502ba, 0xb08cd0d76999e504, 0x7b539a7f080d4997,
	0x27afc625f62cbfbd, 0xb0c25729c60aa25a, 0x95a5b0fbdce57714,
	0x4d04e09b0ed8869a, 0x92d390ef0cf5f833, 0xef8f78d6c61d5ccc,
	0x7b3c89a606e8cf12, 0x0871103f5423af67, 0xe69abc0148447f0c,
	0xd86b7e73bfe4aa08, 0x692b4428a87a6658, 0xdd4cd98fbad884fb,
	0x8305a3a62787ee37, 0x96e488a6a98de988, 0xf45111787d9c50e2,
	0x516d44939db3e6a3, 0x2a025bc97468bdd5, 0xc5b60f39ee8a83a5,
	0x06181c905d6fa726, 0x844fa90a4b50c649, 0xa9787af2e90eb2a1,
	0xe6d0bd059d298d3e, 0x2bb91ac69ad0d3b4, 0x7995139de89c028a,
	0x7b0fd93c76251bf0, 0x65809f0824e77290, 0x5bda4d5f0f6dbe0f,
	0x149ccca4f4f5f867, 0x4ff8e6c7787eb2cf, 0xb2ba92b55a41a951,
	0xf5cd7a8e1190c41f, 0x64117a5d2c6654ad, 0xd312bcdd077a776d,
	0x79149621c83960d1, 0xc638a8df9f14a8e4, 0x6f6bbc54d7b67514,
	0x054d5c9c0c3d13dc, 0x55b159a1155911b6, 0xd965266fed96f8f4,
	0x17824b0849dee4bf, 0x91a5a39ed36030dc, 0x6267eccfb0f73a3b,
	0x1094f556a9176ed8, 0x8ab3da0c0f255b63, 0x98d89d21f05a4d5c,
	0xec33a38c55fe6af3, 0x2a2d030fc6e9f65c, 0x702a6fa7dd293dfc,
	0xc1965037442c8631, 0xaa86f6b246fec831, 0x6ea04cd403173070,
	0x4f2495d94932fbce, 0x7501142f54e6d138, 0x2cc53e93dfe055dc,
	0x0af970cc85cc62fc, 0xc4bd17c267b62553, 0xd2a2cbec61d40252,
	0xb58c7181d931b19d, 0xef28675555575e3f, 0x26ede04f44239c02,
	0xa35040d5f8e34dcf, 0x987d3df539b0db17, 0x7f937071c8f7cd07,
	0xdc786381c86b50fd, 0xa2d284b6bf8731ec, 0x85c257756c67717b,
	0x6d684832b976c296, 0xe846692cbcabc971, 0x2e5dd8645ae5bfcf,
	0x0ea5d469d9581e63, 0x8cb56f32cf158474, 0xc668be92a835af91,
	0x372148111529b402, 0xeafa81a554c43ed6, 0x9d7d6bd74001e03b,
	0xc90c83902bbb22ef, 0x93becfa6a938fff9, 0xb760436bf7f91cb5,
	0xe05eb909e18867a2, 0x5419d1af81b9e0f8, 0x0019370764e68446,
	0x20cfc3f21a673ac1, 0x3e79e50efb6c77c5, 0x66d183ede54c6359,
	0xa54b6aac773c3fe6, 0x6c4fe3fa92fa9bf4, 0xddbf6f46363fd5a6,
	0xc7162742031c1e12, 0x923e05f7745956df, 0x69e26f89ee8fbcb9,
	0xe097fc9f229f0085, 0xc49ec91b45690e7a, 0xabf3265611f29ab2,
	0x774ddba0dd1851a4, 0x9061eddba0c1ccfa, 0x0cc5f6409c409109,
	0xa27b02866e64e5eb, 0x5de0a68f2e005cf6, 0xbab0cb430d81b2ac,
	0x32ef561c547b3282, 0xb4af547ae6f0d987, 0xc02d8ac4eff4dbc0,
	0x6c48bbf0fdbf7f9d, 0xf65ef08cdf5f6551, 0x75b9c1256ea0338a,
	0x6b7aaf061d2201ea, 0x8ea1f103bf5a999c, 0x556dd350190c899a,
	0x778619ac5092954e, 0xd853cdfc573ff266, 0xcd549fa083e271f7,
	0xaeb56eef9aad1730, 0xa899dcf54ad98b31, 0x56d3a7be8d8afaeb,
	0xec72e0b4a84535d0, 0x8cf74ea00075a5d5, 0xdbd5c14dfc738de8,
	0x7ee19ca18370773a, 0x35df1241f5dfabd3, 0xc15845f5fafc44e2,
	0x0314889623fb3fef, 0x95e7a4c8b0fc9410, 0xaf67dc06dbeca730,
	0xdaac8cebf701f305, 0xcdcf400d1c32c8e5, 0x64f7e4ad8cfed787,
	0x8bd0eab9708f7d6c, 0x6a1d665d61f8ebef, 0xa67ce1b5397617fd,
	0x7900e0e392c7785a, 0xbf2998c8cb2e6f4a, 0xcdf24816380f79af,
	0x071de01cbe908fb9, 0x67b2f676bd39c4aa, 0xc5ca72f18ee06d8f,
	0xe9e7a4c6dad9bace, 0xaedd0fed6839ad87, 0xc8bedd83231ed2dc,
	0x36a684814b7fd4e7, 0x8cce580d11c615f8, 0x0b1743adf7f3e97b,
	0xd5df52f44a4f30d9, 0x93eb89df9ead022a, 0xc78aabfd68daf289,
	0x51d09e26d6c0ec69, 0x9d092027831ddc72, 0xdef7e9c78cfba1d9,
	0x2a8021f573e66fe0, 0xcbfea4bec7144482, 0x867ba52f863d58b3,
	0x2edbc7d0097f0c3c, 0xe8793dbedd1b46e8, 0x3611e7af0d2b3005,
	0xa4e6d48055a734e6, 0x3caa5c4f9921280f, 0xf450cc62a4c8e770,
	0xc3ac0215793706d6, 0x24749f702257cba3, 0xe32aa7524bba2edd,
	0x38cd93a63a074014,
};

static int log2_exact(size_t v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

int chunker_init(struct chunker *c, size_t min, size_t avg, size_t max)
{
	int bits;

	if (min < 64 || min >= avg || avg >= max)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
			"invalid chunk sizes min %zu, avg %zu, max %zu: "
			"need 64 <= min < avg < max", min, avg, max);
	if (avg & (avg - 1))
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
			"invalid chunk average %zu: not a power of two", avg);
	/* avg > min >= 64 gives bits >= 7, so mask_l has at least 5 bits. */
	bits = log2_exact(avg);
	if (bits + 2 > 64)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
			"invalid chunk average %zu: too large", avg);
	c->min = min;
	c->avg = avg;
	c->max = max;
	c->mask_s = ~(uint64_t)0 << (64 - (bits + 2));
	c->mask_l = ~(uint64_t)0 << (64 - (bits - 2));
	c->pos = 0;
	c->hash = 0;
	return 0;
}

/*
 * Hash data[*i .. end) with mask; on a cut return 1 with *i just past the
 * byte that ended the chunk, else return 0 with *i == end. This is the hot
 * loop: a load, a shift-add (one lea) and a test per byte, about one
 * cycle a byte with gcc -O2 here, 3.4 GB/s overall counting the skipped
 * bytes. (Rolling two bytes per iteration, with both hashes computed from
 * the old one, measured slower with gcc, not faster.)
 */
static inline int scan(const unsigned char *data, size_t *i, size_t end,
		       uint64_t mask, uint64_t *hash)
{
	uint64_t h = *hash;
	size_t k;

	for (k = *i; k < end; k++) {
		h = (h << 1) + gear[data[k]];
		if (!(h & mask)) {
			*i = k + 1;
			*hash = h;
			return 1;
		}
	}
	*i = k;
	*hash = h;
	return 0;
}

size_t chunker_next(struct chunker *c, const unsigned char *data, size_t len,
		    int *cut)
{
	size_t base = c->pos; /* chunk offset of data[0] */
	uint64_t hash = c->hash;
	size_t i = 0, end;

	/* Skip: chunk offsets below min are never a cut point. */
	if (base < c->min) {
		i = c->min - base;
		if (i >= len) {
			c->pos = base + len;
			*cut = 0;
			return len;
		}
	}

	/* Offsets [min, avg): the harder mask. */
	if (base + i < c->avg) {
		end = c->avg - base;
		if (end > len)
			end = len;
		if (scan(data, &i, end, c->mask_s, &hash))
			goto cut;
	}

	/* Offsets [avg, max): the easier mask, then the forced cut. */
	end = c->max - base;
	if (end > len)
		end = len;
	if (scan(data, &i, end, c->mask_l, &hash))
		goto cut;
	if (base + i == c->max)
		goto cut;

	c->pos = base + len;
	c->hash = hash;
	*cut = 0;
	return len;

cut:
	c->pos = 0;
	c->hash = 0;
	*cut = 1;
	return i;
}
