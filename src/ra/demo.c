/*
 * demo.c - the demo registration records (see demo.h).  Numbers are made
 * here from their bodies, so the check characters are always right.
 */
#include "ra/demo.h"

#include <stdio.h>
#include <string.h>

#include "ra/util.h"
#include "common/validate.h"

struct demo_person {
	const char *id17; /* area, birth date, sequence */
	const char *name;
	const char *mobile;
	const char *address;
	const char *postcode;
	const char *email;
	const char *bank_account;
};

struct demo_unit {
	const char *head; /* registration authority, type, division: 8 chars */
	const char *org8; /* organization code body */
	const char *name;
	int legal_rep; /* index into reps[] */
	int agent;     /* index into reps[] */
	const char *address;
	const char *postcode;
	const char *email;
	const char *bank_name;
	const char *bank_account;
};

/* Customers who come as individuals. */
static const struct demo_person persons[] = {
	{"43010219850315002", "王芳", "13800138001", "湖南省长沙市芙蓉区五一大道100号",
	 "410011", "wangfang@example.cn", "6222020000000000011"},
	{"43020219701123001", "刘洋", "13500135001", "湖南省株洲市荷塘区新华路8号",
	 "412000", "liuyang@example.cn", "6222020000000000029"},
	{"43060219991231004", "陈晨", "13300133001", "湖南省岳阳市岳阳楼区洞庭路3号",
	 "414000", "chenchen@example.cn", "6222020000000000037"},
};

/* Legal representatives and agents of the units. */
static const struct demo_person reps[] = {
	{"43010419780502003", "张伟", "13800138000", "", "", "", ""},
	{"43010519880808004", "李娜", "13912345678", "", "", "", ""},
	{"43010619650101005", "王强", "13700137000", "", "", "", ""},
	{"43010719920220006", "赵敏", "13600136000", "", "", "", ""},
	{"43020319720715007", "周杰", "13500135000", "", "", "", ""},
	{"43020419950909008", "陈静", "13300133000", "", "", "", ""},
};

static const struct demo_unit units[] = {
	{"91430100", "MA4L0001", "湖南湘江建设工程有限公司", 0, 1,
	 "湖南省长沙市岳麓区麓山南路1号", "410082", "finance@xiangjiang.example.cn",
	 "中国工商银行长沙麓山支行", "1901000000000000011"},
	{"91430100", "MA4L0002", "长沙麓谷科技有限公司", 2, 3,
	 "湖南省长沙市岳麓区麓谷大道627号", "410205", "office@lugu.example.cn",
	 "中国建设银行长沙麓谷支行", "4305000000000000022"},
	{"91430200", "MA4T0003", "株洲示范贸易有限责任公司", 4, 5,
	 "湖南省株洲市天元区黄河北路9号", "412007", "trade@zhuzhou.example.cn",
	 "中国银行株洲分行", "5829000000000000033"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
make_id(const char *id17, char out[19])
{
	snprintf(out, 19, "%s%c", id17, validate_resident_check(id17));
}

static void
make_credit(const struct demo_unit *u, char out[19])
{
	char body[18];
	snprintf(body, sizeof body, "%s%s%c", u->head, u->org8,
		 validate_orgcode_check(u->org8));
	snprintf(out, 19, "%s%c", body, validate_credit_check(body));
}

int
demo_load(struct store *st)
{
	if (store_query_int(st, 0, "SELECT count(*) FROM meta WHERE key = 'demo_loaded'",
			    "") > 0)
		return 0;
	if (store_begin(st, true) != 0)
		return -1;
	for (size_t i = 0; i < N(persons); i++) {
		const struct demo_person *p = &persons[i];
		char id[19];
		make_id(p->id17, id);
		if (store_exec(st,
			       "INSERT INTO persons(id_number, name, mobile, address, "
			       "postcode, email,"
			       " bank_account) VALUES(?,?,?,?,?,?,?)",
			       "sssssss", id, p->name, p->mobile, p->address, p->postcode,
			       p->email, p->bank_account) < 0)
			goto fail;
	}
	for (size_t i = 0; i < N(units); i++) {
		const struct demo_unit *u = &units[i];
		const struct demo_person *lr = &reps[u->legal_rep], *ag = &reps[u->agent];
		char cc[19], lrid[19], agid[19];
		make_credit(u, cc);
		make_id(lr->id17, lrid);
		make_id(ag->id17, agid);
		if (store_exec(st,
			       "INSERT INTO units(credit_code, name, legal_rep_name, "
			       "legal_rep_id,"
			       " legal_rep_mobile, agent_name, agent_id, agent_mobile, "
			       "address,"
			       " postcode, email, bank_name, bank_account)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       "sssssssssssss", cc, u->name, lr->name, lrid, lr->mobile,
			       ag->name, agid, ag->mobile, u->address, u->postcode,
			       u->email, u->bank_name, u->bank_account) < 0)
			goto fail;
	}
	if (store_exec(st, "INSERT INTO meta(key, value) VALUES('demo_loaded', '1')",
		       "") < 0)
		goto fail;
	if (store_commit(st) != 0)
		return -1;
	log_info("demo: loaded %zu units and %zu persons", N(units), N(persons));
	return 0;
fail:
	store_rollback(st);
	return -1;
}

void
demo_print(void)
{
	printf("# units: credit_code name | legal representative (id, mobile) | agent "
	       "(id, "
	       "mobile) | bank account\n");
	for (size_t i = 0; i < N(units); i++) {
		const struct demo_unit *u = &units[i];
		const struct demo_person *lr = &reps[u->legal_rep], *ag = &reps[u->agent];
		char cc[19], lrid[19], agid[19];
		make_credit(u, cc);
		make_id(lr->id17, lrid);
		make_id(ag->id17, agid);
		printf("unit %s %s | %s %s %s | %s %s %s | %s\n", cc, u->name, lr->name,
		       lrid, lr->mobile, ag->name, agid, ag->mobile, u->bank_account);
	}
	printf("# persons: id_number name mobile bank_card email\n");
	for (size_t i = 0; i < N(persons); i++) {
		const struct demo_person *p = &persons[i];
		char id[19];
		make_id(p->id17, id);
		printf("person %s %s %s %s %s\n", id, p->name, p->mobile, p->bank_account,
		       p->email);
	}
}
