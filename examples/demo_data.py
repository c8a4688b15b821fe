"""Demo data for the CRM preset: the customers of a mother-and-baby web shop.

Deterministic: the same seed and the same "today" give the same rows, byte for byte. Every
customer draws from a random generator of its own (seeded by the seed and the customer's number),
so the first thousand customers of a run of 100,000 are the thousand of a run of 1,000.

What it makes, for `customers` customers:

- a catalogue of 53 products in six categories (孕妇护理, 婴幼儿服饰, 玩具, 日常用品, 喂养用品,
  出行用品), with prices, stock and a picture per category;
- customers with realistic Chinese names (mostly mothers), unique mobile numbers, e-mail
  addresses, provinces, cities and street addresses weighted by where online shoppers live,
  employers, channels (淘宝, 京东, 拼多多, 抖音, 微信小程序, 线下门店), interests, preferences,
  tags, an owner and a lifecycle stage that agrees with their orders;
- about ten orders per customer over the last 18 months — one-off buyers, occasional, regular
  and loyal customers, and lapsed ones who stopped buying — with peaks around 618 and 双11 (and
  双12, 38节, the new-year shopping festival, a dip over the Spring Festival), evening hours and
  midnight rushes; one to four lines each; payment and logistics states that fit the order's age
  (including unpaid orders and parcels whose tracking stopped two days ago);
- enquiries, complaints, after-sales cases and follow-up calls around the orders, the recent
  ones still open;
- tasks that follow the seeds' rules: win back customers with no purchase for 30 days whose
  average order is over ¥500, chase parcels not updated for 48 hours, birthday greetings, first
  order follow-ups, complaint handling.

Used by `tessera preset apply crm --demo-rows N`; runnable alone to look at the data:

    .venv/bin/python examples/demo_data.py --customers 5        # print a few customers as JSON
    .venv/bin/python examples/demo_data.py --customers 100000 --stats   # counts and spreads
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import math
import random
import struct
import sys
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from views.presets import DemoContext

SEED = 20240618
TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
DAYS = 548  # the 18 months of order history
BLOCK = 10_000  # customers generated and written together

# --- people ----------------------------------------------------------------------------------------
SURNAMES = [  # (surname, pinyin, weight): the most common surnames, by frequency
    ("王", "wang", 72), ("李", "li", 71), ("张", "zhang", 67), ("刘", "liu", 54),
    ("陈", "chen", 46), ("杨", "yang", 33), ("黄", "huang", 25), ("赵", "zhao", 22),
    ("吴", "wu", 21), ("周", "zhou", 20), ("徐", "xu", 15), ("孙", "sun", 15),
    ("马", "ma", 14), ("朱", "zhu", 13), ("胡", "hu", 12), ("郭", "guo", 12),
    ("何", "he", 11), ("林", "lin", 10), ("高", "gao", 10), ("罗", "luo", 10),
    ("郑", "zheng", 9), ("梁", "liang", 9), ("谢", "xie", 8), ("宋", "song", 7),
    ("唐", "tang", 7), ("许", "xu", 7), ("韩", "han", 6), ("冯", "feng", 6),
    ("邓", "deng", 6), ("曹", "cao", 6), ("彭", "peng", 6), ("曾", "zeng", 5),
    ("肖", "xiao", 5), ("田", "tian", 5), ("董", "dong", 5), ("潘", "pan", 4),
    ("袁", "yuan", 4), ("蔡", "cai", 4), ("蒋", "jiang", 4), ("余", "yu", 4),
    ("于", "yu", 4), ("杜", "du", 4), ("叶", "ye", 4), ("程", "cheng", 4),
    ("魏", "wei", 3), ("苏", "su", 3), ("吕", "lv", 3), ("丁", "ding", 3),
    ("任", "ren", 3), ("沈", "shen", 3), ("姚", "yao", 3), ("卢", "lu", 3),
    ("钟", "zhong", 3), ("姜", "jiang", 3), ("崔", "cui", 3), ("谭", "tan", 3),
    ("陆", "lu", 3), ("范", "fan", 2), ("汪", "wang", 2), ("廖", "liao", 2),
    ("石", "shi", 2), ("金", "jin", 2), ("韦", "wei", 2), ("贾", "jia", 2),
    ("夏", "xia", 2), ("付", "fu", 2), ("方", "fang", 2), ("欧阳", "ouyang", 1),
    ("上官", "shangguan", 0.3), ("司马", "sima", 0.2),
]  # fmt: skip
FEMALE = (
    "静 jing 丽 li 娟 juan 艳 yan 芳 fang 娜 na 敏 min 婷 ting 雪 xue 慧 hui 颖 ying 琳 lin "
    "晶 jing 欣 xin 悦 yue 佳 jia 怡 yi 萱 xuan 梦 meng 露 lu 瑶 yao 倩 qian 洁 jie 琪 qi "
    "璐 lu 蕾 lei 雅 ya 楠 nan 薇 wei 莉 li 燕 yan 霞 xia 玲 ling 晓 xiao 思 si 雨 yu 宁 ning "
    "可 ke 诗 shi 涵 han 月 yue 冰 bing 岚 lan 茜 qian 彤 tong 菲 fei 嘉 jia 颜 yan 文 wen"
)
MALE = (
    "伟 wei 强 qiang 磊 lei 军 jun 洋 yang 勇 yong 杰 jie 涛 tao 明 ming 超 chao 斌 bin "
    "鹏 peng 辉 hui 浩 hao 宇 yu 凯 kai 峰 feng 俊 jun 博 bo 帆 fan 阳 yang 晨 chen 亮 liang "
    "健 jian 波 bo 刚 gang 毅 yi 翔 xiang 鑫 xin 然 ran 志 zhi 坤 kun"
)


def _chars(spec: str) -> list[tuple[str, str]]:
    words = spec.split()
    return list(zip(words[::2], words[1::2], strict=True))


FEMALE_CHARS = _chars(FEMALE)
MALE_CHARS = _chars(MALE)
MAIL_DOMAINS = ["163.com", "126.com", "sina.com", "foxmail.com", "outlook.com", "gmail.com"]
MOBILE_PREFIXES = [
    *(f"13{d}" for d in range(10)),
    *(f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)),
    "166", "170", "171", "173", "175", "176", "177", "178",
    *(f"18{d}" for d in range(10)),
    "191", "193", "195", "196", "197", "198", "199",
]  # fmt: skip

# province: (weight, {city: districts}) — weights roughly follow online shoppers
PLACES: dict[str, tuple[float, dict[str, str]]] = {
    "广东省": (12, {"广州市": "天河区 越秀区 海珠区 番禺区 白云区", "深圳市": "南山区 福田区 宝安区 龙岗区 龙华区",
                  "东莞市": "南城街道 东城街道 松山湖", "佛山市": "禅城区 南海区 顺德区", "珠海市": "香洲区 金湾区"}),
    "江苏省": (8, {"南京市": "鼓楼区 玄武区 建邺区 江宁区", "苏州市": "姑苏区 工业园区 吴中区 昆山市",
                 "无锡市": "梁溪区 滨湖区 新吴区", "常州市": "天宁区 武进区"}),
    "浙江省": (8, {"杭州市": "西湖区 拱墅区 滨江区 余杭区 萧山区", "宁波市": "海曙区 鄞州区 江北区",
                 "温州市": "鹿城区 瓯海区", "金华市": "婺城区 义乌市"}),
    "山东省": (7, {"济南市": "历下区 市中区 槐荫区", "青岛市": "市南区 崂山区 黄岛区", "烟台市": "芝罘区 莱山区"}),
    "河南省": (6, {"郑州市": "金水区 中原区 二七区 郑东新区", "洛阳市": "西工区 洛龙区"}),
    "四川省": (6, {"成都市": "锦江区 武侯区 高新区 青羊区 双流区", "绵阳市": "涪城区"}),
    "上海市": (5, {"上海市": "浦东新区 徐汇区 闵行区 静安区 杨浦区 长宁区 宝山区"}),
    "北京市": (5, {"北京市": "朝阳区 海淀区 丰台区 西城区 东城区 通州区 昌平区"}),
    "湖北省": (5, {"武汉市": "武昌区 洪山区 江汉区 江岸区", "宜昌市": "西陵区"}),
    "湖南省": (5, {"长沙市": "岳麓区 雨花区 芙蓉区 开福区", "株洲市": "天元区"}),
    "福建省": (4.5, {"福州市": "鼓楼区 台江区 仓山区", "厦门市": "思明区 湖里区 集美区", "泉州市": "丰泽区 晋江市"}),
    "河北省": (4.5, {"石家庄市": "长安区 桥西区 裕华区", "保定市": "竞秀区", "廊坊市": "广阳区"}),
    "安徽省": (4, {"合肥市": "蜀山区 包河区 庐阳区 政务区", "芜湖市": "镜湖区"}),
    "陕西省": (3, {"西安市": "雁塔区 碑林区 未央区 长安区"}),
    "重庆市": (3, {"重庆市": "渝中区 江北区 南岸区 渝北区 沙坪坝区"}),
    "辽宁省": (3, {"沈阳市": "和平区 沈河区 浑南区", "大连市": "中山区 沙河口区 甘井子区"}),
    "江西省": (2.5, {"南昌市": "东湖区 红谷滩区 青山湖区", "赣州市": "章贡区"}),
    "广西壮族自治区": (2.5, {"南宁市": "青秀区 西乡塘区", "桂林市": "七星区"}),
    "云南省": (2.2, {"昆明市": "五华区 盘龙区 官渡区"}),
    "天津市": (2, {"天津市": "和平区 南开区 河西区 滨海新区"}),
    "山西省": (2, {"太原市": "小店区 迎泽区 杏花岭区"}),
    "贵州省": (1.8, {"贵阳市": "南明区 观山湖区 云岩区"}),
    "黑龙江省": (1.8, {"哈尔滨市": "南岗区 道里区 香坊区"}),
    "吉林省": (1.3, {"长春市": "朝阳区 南关区 净月区"}),
    "内蒙古自治区": (1.2, {"呼和浩特市": "赛罕区 新城区"}),
    "新疆维吾尔自治区": (1.2, {"乌鲁木齐市": "天山区 沙依巴克区"}),
    "甘肃省": (1.2, {"兰州市": "城关区 七里河区"}),
    "海南省": (1, {"海口市": "龙华区 美兰区", "三亚市": "吉阳区"}),
    "宁夏回族自治区": (0.5, {"银川市": "兴庆区 金凤区"}),
    "青海省": (0.4, {"西宁市": "城中区 城西区"}),
    "西藏自治区": (0.2, {"拉萨市": "城关区"}),
}  # fmt: skip
ROADS = "人民路 解放路 中山路 建设路 和平路 新华路 文化路 胜利路 青年路 长江路 黄河路 学府路 科技路 滨江路 花园路 幸福路 光明路 朝阳路"
COMPOUNDS = "阳光花园 锦绣家园 万科城 碧桂园 翡翠湾 御景苑 金色家园 书香苑 绿地城 保利花园 世纪新城 龙湖天街 恒大名都 融创壹号院 海棠湾"
EMPLOYER_WORDS = "星辰 华信 博远 恒通 晨光 远景 瑞丰 嘉禾 启明 鼎盛 汇智 云帆 天成 新航 润泽"
INDUSTRIES = "网络科技 信息技术 电子商务 文化传媒 教育咨询 贸易 医疗器械 建筑工程 餐饮管理 物流"
REVIEW_NOTES = [
    "详细地址缺少门牌号，请与客户确认", "邮箱格式可疑，请核实", "姓名与收货人不一致，请核实",
    "城市与省份不符，请更正", "疑似重复客户，请与手机号相同的记录核对",
]
NOTES = [
    "偏好顺丰快递", "工作日白天不方便接电话，请微信联系", "宝宝对牛奶蛋白过敏，推荐水解奶粉",
    "老客户介绍的新客", "希望开具电子发票", "二胎家庭，关注大童用品", "对价格比较敏感，活动期集中购买",
    "收货地址为公司，周末不收件",
]  # fmt: skip

# --- shop ----------------------------------------------------------------------------------------
CHANNELS = [
    ("淘宝", 30),
    ("京东", 18),
    ("拼多多", 15),
    ("抖音", 17),
    ("微信小程序", 12),
    ("线下门店", 8),
]
PAY_BY_CHANNEL = {
    "淘宝": [("支付宝", 60), ("花呗", 30), ("银行卡", 10)],
    "京东": [("微信支付", 45), ("银行卡", 35), ("货到付款", 10), ("支付宝", 10)],
    "拼多多": [("微信支付", 60), ("支付宝", 40)],
    "抖音": [("微信支付", 40), ("支付宝", 50), ("银行卡", 10)],
    "微信小程序": [("微信支付", 100)],
    "线下门店": [("微信支付", 50), ("支付宝", 35), ("银行卡", 15)],
}
INTERESTS = ["育儿知识", "早教", "亲子游", "烘焙", "瑜伽", "健身", "摄影", "阅读", "美妆", "旅行"]
CATEGORIES = ["孕妇护理", "婴幼儿服饰", "玩具", "日常用品", "喂养用品", "出行用品"]
CATEGORY_COLOURS = [(236, 154, 183), (120, 190, 220), (246, 201, 84), (128, 196, 120), (240, 160, 90), (110, 140, 220)]  # fmt: skip
# category: [(name, price, max quantity), ...]
PRODUCTS: dict[str, list[tuple[str, float, int]]] = {
    "孕妇护理": [("孕妇防妊娠纹霜 150ml", 268, 2), ("孕妇护肤套装", 399, 1), ("U型孕妇枕", 199, 1),
              ("孕期叶酸片 60粒", 128, 3), ("孕妇DHA藻油软胶囊", 238, 2), ("哺乳文胸 两件装", 159, 2),
              ("产后收腹带", 129, 1), ("待产包 全套", 329, 1), ("防溢乳垫 100片", 49, 4)],
    "婴幼儿服饰": [("新生儿纯棉和尚服 三件套", 129, 2), ("婴儿连体衣", 89, 3), ("四季款宝宝睡袋", 199, 1),
               ("婴儿帽子袜子套装", 59, 2), ("儿童羽绒服", 399, 1), ("幼儿学步鞋", 159, 1),
               ("宝宝爬服", 79, 3), ("儿童防晒衣", 99, 2), ("婴儿包被", 149, 1)],
    "玩具": [("婴儿摇铃牙胶套装", 69, 1), ("早教点读笔", 299, 1), ("儿童积木 200粒", 159, 1),
           ("婴儿健身架", 189, 1), ("磁力片 100片", 219, 1), ("儿童绘本 10册", 99, 2),
           ("遥控汽车", 139, 1), ("洗澡戏水玩具", 45, 2), ("儿童滑板车", 259, 1)],
    "日常用品": [("纸尿裤 L码 54片", 139, 6), ("拉拉裤 XL码 38片", 129, 6), ("婴儿湿巾 80抽×6包", 59, 4),
             ("婴儿洗发沐浴露", 79, 2), ("婴儿润肤乳", 89, 2), ("儿童牙膏牙刷套装", 49, 3),
             ("婴儿洗衣液", 69, 3), ("护臀膏", 59, 2), ("婴儿棉柔巾", 39, 6)],
    "喂养用品": [("婴儿配方奶粉 1段 800g", 298, 6), ("婴儿配方奶粉 2段 800g", 288, 6),
             ("幼儿配方奶粉 3段 800g", 268, 6), ("宽口径玻璃奶瓶", 119, 2), ("电动吸奶器", 699, 1),
             ("婴儿辅食机", 399, 1), ("有机婴儿米粉", 69, 4), ("儿童餐椅", 359, 1),
             ("恒温调奶器", 259, 1), ("学饮杯", 79, 2)],
    "出行用品": [("高景观婴儿推车", 1899, 1), ("轻便折叠伞车", 599, 1), ("ISOFIX儿童安全座椅", 2299, 1),
             ("婴儿背带腰凳", 299, 1), ("大容量妈咪包", 199, 1), ("实木婴儿床", 1299, 1),
             ("儿童自行车", 459, 1)],
}  # fmt: skip
# the baby's stage: its tag, and how often each category is bought
STAGES = {
    "孕期": ("孕期妈妈", [50, 10, 2, 10, 15, 13]),
    "0-1岁": ("宝宝0-1岁", [6, 18, 8, 34, 24, 10]),
    "1-3岁": ("宝宝1-3岁", [2, 22, 20, 30, 18, 8]),
    "3-6岁": ("宝宝3-6岁", [1, 34, 38, 15, 7, 5]),
}
STAGE_WEIGHTS = [("孕期", 18), ("0-1岁", 37), ("1-3岁", 32), ("3-6岁", 13)]
# persona: (weight, fewest orders, most orders)
PERSONAS = [
    ("prospect", 14, 0, 0),
    ("one_time", 20, 1, 1),
    ("occasional", 24, 2, 5),
    ("regular", 22, 8, 24),
    ("loyal", 11, 24, 68),
    ("lapsed", 9, 2, 14),
]
# budget: (weight, preferences, how far up the price list it reaches, discount)
BUDGETS = {
    "premium": (20, ["高端品牌", "进口商品", "有机天然"], 1.6, 1.0),
    "value": (50, ["性价比", "国货品牌"], 1.0, 0.97),
    "deal": (30, ["促销敏感", "性价比"], 0.7, 0.9),
}
LINES = [(1, 52), (2, 28), (3, 14), (4, 6)]

ENQUIRY = ["请问{p}适合几个月的宝宝？", "{p}现在有优惠券吗？", "{p}下单后多久发货？", "{p}的材质和安全认证是什么？",
           "{p}和同类商品有什么区别？", "{p}可以开发票吗？"]  # fmt: skip
COMPLAINT = ["{p}收到时包装破损", "物流太慢，下单三天还没收到{p}", "{p}和商品描述不符", "{p}尺码偏小，宝宝穿不了",
             "快递员未经同意把{p}放在驿站", "客服回复太慢，{p}的问题一直没解决"]  # fmt: skip
AFTER_SALES = ["申请{p}退换货", "{p}少发了一件", "{p}使用中出现质量问题", "{p}的发票开错了，需要重开",
               "想把{p}换成大一码"]  # fmt: skip
FOLLOW_UP = ["{p}使用体验回访", "首单满意度回访", "会员权益介绍回访", "宝宝成长阶段需求回访"]
RESULTS = {
    "咨询": [
        "已解答并发送使用说明",
        "已发放 20 元无门槛优惠券",
        "已告知预计发货时间",
        "已推荐适合月龄的商品",
    ],
    "投诉": [
        "已补发并致歉，赠送优惠券",
        "已联系快递加急派送",
        "已全额退款",
        "已升级主管处理并回电致歉",
    ],
    "售后": ["已办理退货退款", "已补发缺少的商品", "已换货并承担运费", "已重新开具发票"],
    "回访": [
        "客户表示满意，有复购意向",
        "客户建议增加更多尺码",
        "已介绍会员权益",
        "客户暂无新需求",
    ],
}
INTERACTION_TYPES = [("咨询", 50), ("售后", 20), ("投诉", 12), ("回访", 18)]
CONTACT = [("在线客服", 50), ("微信", 22), ("电话", 18), ("邮件", 5), ("门店", 5)]
SHIPPING = ("已发货", "运输中", "派送中")


def _weighted(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [p[0] for p in pairs]
    cum = list(itertools.accumulate(p[1] for p in pairs))
    return values, cum


class Choice:
    """A weighted choice, drawn with one random number."""

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.values, self.cum = _weighted(pairs)
        self.total = self.cum[-1]

    def __call__(self, rnd: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cum, rnd.random() * self.total)]


SURNAME = Choice([((s, p), w) for s, p, w in SURNAMES])
PROVINCE = Choice([(p, w) for p, (w, _) in PLACES.items()])
CHANNEL = Choice(CHANNELS)
PAYMENT = {c: Choice(ws) for c, ws in PAY_BY_CHANNEL.items()}
STAGE = Choice(STAGE_WEIGHTS)
CATEGORY = {s: Choice(list(zip(CATEGORIES, ws, strict=True))) for s, (_, ws) in STAGES.items()}
PERSONA = Choice([((name, lo, hi), w) for name, w, lo, hi in PERSONAS])
BUDGET = Choice([(name, b[0]) for name, b in BUDGETS.items()])
N_LINES = Choice(LINES)
INTERACTION = Choice(INTERACTION_TYPES)
CONTACT_CHANNEL = Choice(CONTACT)
HOURS = Choice(
    list(
        enumerate(
            [
                6,
                3,
                1.5,
                1,
                1,
                1.5,
                3,
                6,
                9,
                11,
                12,
                12,
                13,
                12,
                11,
                11,
                11,
                11,
                12,
                15,
                18,
                20,
                19,
                13,
            ]
        )
    )
)
SPRING_FESTIVAL = {
    2022: dt.date(2022, 2, 1), 2023: dt.date(2023, 1, 22), 2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17), 2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26), 2029: dt.date(2029, 2, 13), 2030: dt.date(2030, 2, 3),
}  # fmt: skip


def day_weight(day: dt.date, growth: float) -> float:
    """How busy the shop is on `day` (1 is an ordinary weekday); `growth` from 0 to 1."""
    w = 0.85 + 0.3 * growth
    if day.weekday() >= 5:
        w *= 1.15
    m, d = day.month, day.day
    if m == 6 and d <= 18:  # 618
        w *= {18: 6.0, 17: 2.5, 16: 2.0}.get(d, 1.5)
    elif (m == 10 and d == 31) or (m == 11 and d <= 12):  # 双11, with its pre-sale
        w *= {11: 8.0, 10: 2.2, 12: 1.6}.get(d, 1.7) if m == 11 else 1.7
    elif m == 12 and d == 12:  # 双12
        w *= 3.0
    elif m == 3 and d in (7, 8):  # 38 女王节
        w *= 2.0
    festival = SPRING_FESTIVAL.get(day.year) or SPRING_FESTIVAL.get(day.year + 1)
    if festival is not None:
        gap = (day - festival).days
        if -3 <= gap <= 6:  # couriers rest
            w *= 0.45
        elif -22 <= gap <= -8:  # the new-year shopping festival
            w *= 1.3
    return w


@dataclass
class Calendar:
    """The last `DAYS` days up to `today`, with cumulative weights to draw days from."""

    today: dt.date
    days: list[dt.date] = field(init=False)
    cum: list[float] = field(init=False)

    def __post_init__(self) -> None:
        first = self.today - dt.timedelta(days=DAYS - 1)
        self.days = [first + dt.timedelta(days=i) for i in range(DAYS)]
        self.cum = list(
            itertools.accumulate(day_weight(d, i / DAYS) for i, d in enumerate(self.days))
        )

    def day(self, rnd: random.Random, lo: int = 0, hi: int = DAYS - 1) -> int:
        """The index of a day in [lo, hi], drawn by how busy the days are."""
        base = self.cum[lo - 1] if lo > 0 else 0.0
        x = base + rnd.random() * (self.cum[hi] - base)
        return min(max(bisect.bisect_right(self.cum, x), lo), hi)


@dataclass(frozen=True)
class Product:
    index: int
    name: str
    category: str
    price: float
    most: int  # the most of it one order line takes


def catalogue() -> list[Product]:
    out: list[Product] = []
    for category in CATEGORIES:
        for name, price, most in PRODUCTS[category]:
            out.append(Product(len(out), name, category, float(price), most))
    return out


# --- generating --------------------------------------------------------------------------------
@dataclass
class Block:
    """Rows of consecutive customers and everything of theirs, keyed by field names (zh-CN).
    Links hold positions in the block, not record ids: `客户` of an order is the position of its
    customer in `customers`, `所属订单` of an item the position of its order in `orders`,
    `商品` the product's index in the catalogue. `populate` turns them into ids."""

    start: int
    customers: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    interactions: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)


class Shop:
    """Makes customers one at a time, each from a random generator of its own."""

    def __init__(
        self, seed: int, today: dt.date, users: Mapping[str, int], now: dt.datetime | None = None
    ) -> None:
        self.seed = seed
        self.today = today
        # nothing happens after "now": today at 10:00 unless the caller says otherwise
        self.now = (
            now.astimezone(TZ) if now is not None else dt.datetime.combine(today, dt.time(10), TZ)
        )
        self.users = users
        self.calendar = Calendar(today)
        self.products = catalogue()
        self.by_category: dict[str, list[Product]] = {c: [] for c in CATEGORIES}
        for p in self.products:
            self.by_category[p.category].append(p)
        for listed in self.by_category.values():
            listed.sort(key=lambda p: p.price)  # cheapest first
        self._serial = itertools.count(1)
        span = len(MOBILE_PREFIXES) * 10**8
        self._mobile_span = span
        self._mobile_offset = random.Random(seed).randrange(span)

    # --- one customer --------------------------------------------------------------------------
    def customer(self, i: int, block: Block) -> None:
        rnd = random.Random(self.seed * 1_000_003 + i)
        persona, lo, hi = PERSONA(rnd)
        stage = STAGE(rnd)
        budget = BUDGET(rnd)
        female = rnd.random() < 0.88
        surname, surname_py = SURNAME(rnd)
        chars = FEMALE_CHARS if female else MALE_CHARS
        given = [rnd.choice(chars) for _ in range(1 if rnd.random() < 0.3 else 2)]
        name = surname + "".join(c for c, _ in given)
        age = int(rnd.triangular(21, 44, 30)) if female else int(rnd.triangular(23, 48, 33))
        birthday = self.today - dt.timedelta(days=age * 365 + rnd.randrange(365))
        province = PROVINCE(rnd)
        city = rnd.choice(list(PLACES[province][1]))
        address = self.street(rnd, city, PLACES[province][1][city])
        channel = CHANNEL(rnd)
        owner_role = "销售" if rnd.random() < 0.7 else "经理"

        orders, items, totals = self.orders(
            rnd, persona, lo, hi, stage, budget, channel, province, city, address
        )
        paid = [o for o in orders if o["付款状态"] == "已付款"]
        last = max((o["下单时间"] for o in paid), default=None)
        days_since = (self.now - last).days if last else None
        stage_name = (
            "潜在客户"
            if not paid
            else "流失客户"
            if days_since is not None and days_since > 180
            else "首次购买"
            if len(paid) == 1
            else "复购客户"
        )
        tag, _ = STAGES[stage]
        tags = [tag]
        if stage != "孕期" and rnd.random() < 0.12:
            tags.insert(0, "二胎家庭")
        if stage == "0-1岁" and rnd.random() < 0.5:
            tags.insert(0, "新手妈妈")
        if len(paid) >= 5:
            tags.append("会员")
        if budget == "deal":
            tags.append("价格敏感")
        if persona == "prospect" and rnd.random() < 0.4:
            tags.append("高意向")
        prefs = BUDGETS[budget][1]
        row = {
            "姓名": name,
            "性别": "女" if female else "男",
            "生日": birthday if rnd.random() < 0.8 else None,
            "手机": self.mobile(i),
            "邮箱": self.email(rnd, surname_py, given, birthday),
            "省份": province,
            "城市": city,
            "详细地址": address,
            "工作单位": self.employer(rnd, city) if rnd.random() < 0.55 else None,
            "来源渠道": channel,
            "兴趣爱好": rnd.sample(INTERESTS, rnd.choice((0, 1, 1, 2, 2, 3))) or None,
            "购买偏好": rnd.sample(prefs, rnd.randint(1, len(prefs))),
            "标签": tags,
            "负责人": self.users.get(owner_role),
            "生命周期阶段": stage_name,
            "备注": rnd.choice(NOTES) if rnd.random() < 0.1 else None,
            **self.review(i),
        }
        self.registered_twice(i, row, block)
        c = len(block.customers)
        block.customers.append(row)
        first_order = len(block.orders)
        for o in orders:
            o["客户"] = c
        block.orders += orders
        for it in items:
            it["所属订单"] += first_order
        block.items += items
        self.interactions(rnd, block, c, orders, first_order, persona, owner_role)
        self.tasks(rnd, block, c, row, orders, totals, first_order, owner_role)

    def registered_twice(self, i: int, row: dict[str, Any], block: Block) -> None:
        """About one customer in a hundred is someone already in the table, registered again
        from another shop with another mobile: same name and address. The reviewer sends the
        second profile back as a suspected duplicate."""
        rnd = random.Random(self.seed * 3_141_593 + i)
        if not block.customers or rnd.random() >= 0.012:
            return
        first = block.customers[rnd.randrange(len(block.customers))]
        for key in ("姓名", "性别", "省份", "城市", "详细地址"):
            row[key] = first[key]
        row.update(
            审核状态="需修正",
            审核意见="疑似重复客户：与已有客户姓名、地址相同，请核对后合并",
            审核人=self.users.get("数据审核员"),
        )

    def review(self, i: int) -> dict[str, Any]:
        """The data reviewer's check of a profile: most are approved, some still wait, a few
        went back to their owner with a comment (a generator of its own, so the rest of the
        customer's data does not depend on it)."""
        rnd = random.Random(self.seed * 7_368_787 + i)
        x = rnd.random()
        if x < 0.06:
            return {"审核状态": "待审核"}
        reviewer = self.users.get("数据审核员")
        if x < 0.09:
            return {"审核状态": "需修正", "审核意见": rnd.choice(REVIEW_NOTES), "审核人": reviewer}
        return {"审核状态": "已通过", "审核人": reviewer}

    def mobile(self, i: int) -> str:
        """A mobile number of its own for customer `i` (a permutation of all numbers)."""
        n = (i * 2654435761 + self._mobile_offset) % self._mobile_span
        return f"{MOBILE_PREFIXES[n // 10**8]}{n % 10**8:08d}"

    def email(
        self, rnd: random.Random, surname: str, given: list[tuple[str, str]], birthday: dt.date
    ) -> str | None:
        x = rnd.random()
        if x < 0.35:
            return None
        if x < 0.6:
            return f"{rnd.randint(10**7, 3 * 10**9)}@qq.com"
        first = "".join(p for _, p in given)
        local = rnd.choice(
            [
                f"{first}{surname}",
                f"{surname}{first}",
                f"{surname}.{first}",
                f"{surname}{first}{birthday.year % 100:02d}",
            ]
        )
        return (
            f"{local}{rnd.randint(1, 999) if rnd.random() < 0.4 else ''}@{rnd.choice(MAIL_DOMAINS)}"
        )

    def street(self, rnd: random.Random, city: str, districts: str) -> str:
        district = rnd.choice(districts.split())
        road = rnd.choice(ROADS.split())
        compound = rnd.choice(COMPOUNDS.split())
        floor = rnd.randint(1, 32)
        return (
            f"{district}{road}{rnd.randint(1, 999)}号{compound}{rnd.randint(1, 28)}栋"
            f"{rnd.randint(1, 4)}单元{floor}{rnd.randint(1, 6):02d}室"
        )

    def employer(self, rnd: random.Random, city: str) -> str:
        short = city.removesuffix("市")
        x = rnd.random()
        if x < 0.6:
            return f"{short}{rnd.choice(EMPLOYER_WORDS.split())}{rnd.choice(INDUSTRIES.split())}有限公司"
        if x < 0.75:
            return f"{short}市第{rnd.choice('一二三四五六七')}人民医院"
        if x < 0.88:
            return f"{short}市{rnd.choice(['实验小学', '第一中学', '外国语学校', '幼儿园'])}"
        return f"{rnd.choice(['中国银行', '工商银行', '建设银行', '招商银行'])}{short}分行"

    # --- orders ------------------------------------------------------------------------------
    def orders(
        self,
        rnd: random.Random,
        persona: str,
        lo: int,
        hi: int,
        stage: str,
        budget: str,
        channel: str,
        province: str,
        city: str,
        address: str,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[float]]:
        """A customer's orders and their items (`所属订单`: the order's place in the list), and
        each order's total."""
        cal = self.calendar
        last_day = DAYS - 1
        n = rnd.randint(lo, hi)
        # when they found the shop: most were customers before these 18 months began
        start = 0 if rnd.random() < 0.55 else min(cal.day(rnd), cal.day(rnd))
        end = last_day
        if persona == "loyal":
            start = min(start, cal.day(rnd, 0, DAYS // 3))
        elif persona == "regular":
            start = min(start, cal.day(rnd, 0, DAYS * 2 // 3))
            if rnd.random() < 0.35:  # some regulars have gone quiet lately
                end = last_day - rnd.randint(20, 80)
        elif persona == "lapsed":
            end = last_day - rnd.randint(95, 420)
            start = cal.day(rnd, 0, max(end - 60, 0))
        elif persona == "occasional" and rnd.random() < 0.5:
            end = last_day - rnd.randint(25, 200)
        start = min(start, end)
        days = sorted(cal.day(rnd, start, end) for _ in range(n))
        if persona == "prospect" and rnd.random() < 0.25:  # an order never paid for
            days = [cal.day(rnd, DAYS - 60, last_day)]
        orders: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        totals = [0.0] * len(days)
        reach = BUDGETS[budget][2]
        for k, d in enumerate(days):
            when = self.moment(rnd, cal.days[d])
            unpaid = persona == "prospect"
            o = self.order(rnd, when, channel, province, city, address, unpaid)
            orders.append(o)
            for _ in range(N_LINES(rnd)):
                category = CATEGORY[stage](rnd)
                choices = self.by_category[category]
                j = min(int(rnd.random() ** (1 / reach) * len(choices)), len(choices) - 1)
                product = choices[j]  # the budget reaches up the price list
                discount = BUDGETS[budget][3] * (0.88 if _promo(cal.days[d]) else 1.0)
                price = round(product.price * discount, 2)
                quantity = rnd.randint(1, product.most)
                items.append(
                    {"所属订单": k, "商品": product.index, "单价": price, "数量": quantity}
                )
                totals[k] += price * quantity
        return orders, items, totals

    def moment(self, rnd: random.Random, day: dt.date) -> dt.datetime:
        hour = HOURS(rnd)
        if (day.month, day.day) in ((11, 11), (6, 18)) and rnd.random() < 0.3:
            hour = 0  # the midnight rush
        when = dt.datetime.combine(day, dt.time(hour, rnd.randrange(60), rnd.randrange(60)), TZ)
        if when >= self.now:
            when = self.now - dt.timedelta(minutes=rnd.randint(5, 600))
        return when

    def order(
        self,
        rnd: random.Random,
        when: dt.datetime,
        channel: str,
        province: str,
        city: str,
        address: str,
        unpaid: bool,
    ) -> dict[str, Any]:
        age = (self.now - when).total_seconds() / 3600
        ch = channel if rnd.random() < 0.85 else CHANNEL(rnd)
        x = rnd.random()
        if unpaid or (age < 48 and x < 0.15) or x < 0.015:
            status = "未付款"
        elif x < 0.055:
            status = "已退款"
        else:
            status = "已付款"
        logistics, updated = self.logistics(rnd, when, age, status)
        ship_to = (
            f"{province}{city}{address}"
            if rnd.random() < 0.92
            else f"{province}{city}{self.street(rnd, city, PLACES[province][1][city])}"
        )
        return {
            "订单号": f"{when:%Y%m%d}{next(self._serial):08d}",
            "下单时间": when,
            "支付方式": PAYMENT[ch](rnd) if status != "未付款" else None,
            "付款状态": status,
            "收货地址": ship_to,
            "物流状态": logistics,
            "物流更新时间": updated,
            "下单渠道": ch,
        }

    def logistics(
        self, rnd: random.Random, when: dt.datetime, age: float, status: str
    ) -> tuple[str | None, dt.datetime | None]:
        if status == "未付款":
            return None, None
        hours = dt.timedelta(hours=1)
        if status == "已退款":
            if rnd.random() < 0.4:
                return "待发货", None
            return "已退回", min(when + rnd.uniform(72, 240) * hours, self.now)
        if age < 20:
            if rnd.random() < 0.7:
                return "待发货", None
            return "已发货", min(when + rnd.uniform(2, 18) * hours, self.now)
        if age < 120:
            state = rnd.choice(SHIPPING)
            # 18 % stopped being tracked: the exceptions the seeds ask to chase
            stopped = rnd.random() < 0.18
            gap = rnd.uniform(49, 100) if stopped else rnd.uniform(1, min(40, age - 1))
            updated = max(self.now - gap * hours, when + hours)
            if age > 72 and rnd.random() < 0.6:
                return "已签收", min(when + rnd.uniform(40, 72) * hours, self.now)
            return state, updated
        x = rnd.random()
        if x < 0.004:  # lost on the way, long ago
            return "运输中", when + rnd.uniform(24, 72) * hours
        if x < 0.015:
            return "异常", when + rnd.uniform(24, 96) * hours
        return "已签收", when + rnd.uniform(30, 120) * hours

    # --- interactions and tasks ----------------------------------------------------------------
    def interactions(
        self,
        rnd: random.Random,
        block: Block,
        c: int,
        orders: list[dict[str, Any]],
        first_order: int,
        persona: str,
        owner_role: str,
    ) -> None:
        expected = 0.25 + 0.12 * len(orders) + (0.5 if persona == "prospect" else 0)
        n = _poisson(rnd, min(expected, 10))
        for _ in range(n):
            kind = INTERACTION(rnd)
            if persona == "prospect" or not orders:
                kind = "咨询"
            k = rnd.randrange(len(orders)) if orders else None
            base = (
                orders[k]["下单时间"]
                if k is not None
                else self.now - dt.timedelta(days=rnd.randint(0, 200))
            )
            offset = {
                "咨询": -rnd.uniform(0.5, 48),
                "售后": rnd.uniform(48, 360),
                "投诉": rnd.uniform(24, 240),
                "回访": rnd.uniform(160, 480),
            }[kind]
            when = base + dt.timedelta(hours=offset)
            if when > self.now:
                continue
            product = self.products[rnd.randrange(len(self.products))].name
            text = rnd.choice(
                {"咨询": ENQUIRY, "投诉": COMPLAINT, "售后": AFTER_SALES, "回访": FOLLOW_UP}[kind]
            )
            content = text.format(p=product)
            status = self.interaction_status(rnd, kind, (self.now - when).total_seconds() / 86400)
            done = status in ("已解决", "已关闭")
            satisfaction = None
            if done and rnd.random() < 0.75:
                low, high = {"咨询": (4, 5), "回访": (4, 5), "售后": (3, 5), "投诉": (1, 4)}[kind]
                satisfaction = rnd.randint(low, high)
            reply = self.first_response(c, len(block.interactions), kind, status)
            block.interactions.append(
                {
                    "主题": f"{kind}：{content[:18]}",
                    "客户": c,
                    "关联订单": first_order + k if k is not None and kind != "咨询" else None,
                    "互动时间": when,
                    "互动类型": kind,
                    "沟通渠道": CONTACT_CHANNEL(rnd),
                    "内容": content,
                    "处理人": self.users.get("客服" if rnd.random() < 0.9 else owner_role),
                    "处理状态": status,
                    "处理结果": rnd.choice(RESULTS[kind]) if done else None,
                    "满意度": satisfaction,
                    "首次响应（分钟）": reply,
                }
            )

    def first_response(self, c: int, n: int, kind: str, status: str) -> int | None:
        """Minutes to the first reply (none while the interaction is open): from a generator of
        its own, so the rest of the data is the same with or without it."""
        if status == "待处理":
            return None
        rnd = random.Random(self.seed * 7_919 + c * 1_009 + n)
        slow = {"咨询": 1.0, "回访": 1.0, "售后": 1.5, "投诉": 2.0}[kind]
        return min(int(rnd.expovariate(1 / 20) * slow) + 1, 24 * 60)

    def interaction_status(self, rnd: random.Random, kind: str, age_days: float) -> str:
        x = rnd.random()
        if age_days < 2:
            return "待处理" if x < 0.55 else "处理中" if x < 0.85 else "已解决"
        if age_days < 10:
            return "处理中" if x < 0.2 else "已解决" if x < 0.7 else "已关闭"
        if kind == "投诉" and x < 0.04:  # a complaint left open too long
            return "处理中"
        return "已关闭" if x < 0.8 else "已解决"

    def tasks(
        self,
        rnd: random.Random,
        block: Block,
        c: int,
        customer: dict[str, Any],
        orders: list[dict[str, Any]],
        totals: list[float],
        first_order: int,
        owner_role: str,
    ) -> None:
        owner = self.users.get(owner_role)
        service = self.users.get("客服")
        name = customer["姓名"]
        today = self.today
        add = block.tasks.append

        def task(
            title: str,
            kind: str,
            due: dt.date,
            who: int | None,
            status: str,
            prio: str,
            order: int | None = None,
        ) -> None:
            add(
                {
                    "任务标题": title,
                    "客户": c,
                    "关联订单": first_order + order if order is not None else None,
                    "任务类型": kind,
                    "截止日期": due,
                    "负责人": who,
                    "状态": status,
                    "优先级": prio,
                }
            )

        paid = [k for k, o in enumerate(orders) if o["付款状态"] == "已付款"]
        if paid:
            spent = sum(totals[k] for k in paid)
            last = max(orders[k]["下单时间"] for k in paid)
            idle = (self.now - last).days
            if idle >= 30 and spent / len(paid) > 500 and rnd.random() < 0.6:
                task(
                    f"召回：{name}（{idle} 天未购买）",
                    "沉睡召回",
                    today + dt.timedelta(days=rnd.randint(-5, 10)),
                    owner,
                    rnd.choice(["待办", "待办", "进行中"]),
                    "高",
                )
            first = min(orders[k]["下单时间"] for k in paid)
            if len(paid) == 1 and (self.now - first).days <= 30 and rnd.random() < 0.7:
                due = first.date() + dt.timedelta(days=7)
                status = ("已完成" if rnd.random() < 0.8 else "已取消") if due < today else "待办"
                task(f"首单回访：{name}", "回访跟进", due, owner, status, "中")
        for k, o in enumerate(orders):
            stale = (
                o["物流状态"] in SHIPPING
                and o["物流更新时间"] is not None
                and (self.now - o["物流更新时间"]).total_seconds() >= 48 * 3600
            )
            if stale and rnd.random() < 0.8:
                task(
                    f"跟进物流：订单 {o['订单号']}",
                    "物流异常",
                    today + dt.timedelta(days=1),
                    service,
                    rnd.choice(["待办", "进行中"]),
                    "高",
                    k,
                )
            elif (
                o["付款状态"] == "已付款"
                and rnd.random() < 0.03
                and (self.now - o["下单时间"]).days > 14
            ):
                due = o["下单时间"].date() + dt.timedelta(days=10)
                task(f"订单回访：{o['订单号']}", "回访跟进", due, owner, "已完成", "低", k)
        birthday = customer["生日"]
        if birthday is not None:
            this_year = _this_year(birthday, today)
            if 0 <= (this_year - today).days <= 14:
                task(f"生日关怀：{name}", "生日关怀", this_year, owner, "待办", "中")


def _promo(day: dt.date) -> bool:
    return (
        (day.month == 6 and day.day <= 18)
        or (day.month == 11 and day.day <= 11)
        or (day.month, day.day) == (12, 12)
    )


def _this_year(birthday: dt.date, today: dt.date) -> dt.date:
    """The birthday's next date on or after today (29 February is celebrated on the 28th)."""
    for year in (today.year, today.year + 1):
        try:
            day = birthday.replace(year=year)
        except ValueError:
            day = dt.date(year, 2, 28)
        if day >= today:
            return day
    return today


def _poisson(rnd: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rnd.random()
    while p > limit:
        k += 1
        p *= rnd.random()
    return k


def generate(
    customers: int,
    *,
    seed: int = SEED,
    today: dt.date,
    users: Mapping[str, int] | None = None,
    block: int = BLOCK,
    now: dt.datetime | None = None,
) -> Iterator[Block]:
    """The demo rows, `block` customers at a time (with their orders, items, interactions and
    tasks). `users` gives the user id of each role (销售, 客服, 经理, 数据审核员) for owners,
    handlers and reviewers; nothing is dated after `now` (by default today at 10:00, Shanghai time)."""
    shop = Shop(seed, today, users or {}, now)
    for start in range(0, customers, block):
        b = Block(start)
        for i in range(start, min(customers, start + block)):
            shop.customer(i, b)
        yield b


def product_rows(seed: int = SEED) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    codes = {c: f"{k + 1:02d}" for k, c in enumerate(CATEGORIES)}
    return [
        {
            "商品名称": p.name,
            "商品编码": f"MB{codes[p.category]}{p.index + 1:04d}",
            "类目": p.category,
            "价格": p.price,
            "库存": rnd.choice([0, rnd.randint(5, 60), rnd.randint(60, 900), rnd.randint(60, 900)]),
            "在售": rnd.random() < 0.94,
            "商品描述": f"{p.category} · {p.name}。正品保障，七天无理由退换。",
        }
        for p in catalogue()
    ]


def picture(rgb: tuple[int, int, int], size: int = 96) -> bytes:
    """A PNG of one colour with a lighter disc: a placeholder product picture."""
    light = tuple(min(255, v + 70) for v in rgb)
    rows = []
    r2 = (size * 0.3) ** 2
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            inside = (x - size / 2) ** 2 + (y - size / 2) ** 2 <= r2
            row += bytes(light if inside else rgb)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


# --- writing ---------------------------------------------------------------------------------------
def populate(ctx: DemoContext) -> dict[str, int]:
    """Write the demo data into a base made from the CRM preset (the preset's demo hook)."""
    products = product_rows(ctx.seed)
    store = ctx.base.db.attachments
    pictures = {
        c: store.add_bytes(picture(CATEGORY_COLOURS[k]), f"{c}.png", "image/png")
        for k, c in enumerate(CATEGORIES)
    }
    for row in products:
        row["图片"] = [pictures[row["类目"]]]
    product_ids = ctx.insert("商品", products)
    counts = Counter({"商品": len(product_ids)})
    total = ctx.rows
    ctx.report("客户", 0, total)
    for b in generate(total, seed=ctx.seed, today=ctx.today, users=ctx.users, now=ctx.now):
        cids = ctx.insert("客户", b.customers)
        for o in b.orders:
            o["客户"] = [cids[o["客户"]]]
        oids = ctx.insert("订单", b.orders)
        for it in b.items:
            it["所属订单"] = [oids[it["所属订单"]]]
            it["商品"] = [product_ids[it["商品"]]]
        ctx.insert("订单明细", b.items)
        for rows in (b.interactions, b.tasks):
            for r in rows:
                r["客户"] = [cids[r["客户"]]]
                r["关联订单"] = [oids[r["关联订单"]]] if r["关联订单"] is not None else None
        ctx.insert("互动记录", b.interactions)
        ctx.insert("任务", b.tasks)
        counts.update(
            {
                "客户": len(cids),
                "订单": len(oids),
                "订单明细": len(b.items),
                "互动记录": len(b.interactions),
                "任务": len(b.tasks),
            }
        )
        ctx.report("客户", b.start + len(b.customers), total)
    return dict(counts)


# --- looking at it ---------------------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Print the CRM demo data, or counts and spreads of it")
    p.add_argument("--customers", type=int, default=5)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--today", type=dt.date.fromisoformat, default=dt.datetime.now(TZ).date())
    p.add_argument("--stats", action="store_true", help="print counts and spreads instead of rows")
    args = p.parse_args(argv)
    users = {"销售": 1, "客服": 2, "经理": 3}
    if not args.stats:
        for b in generate(args.customers, seed=args.seed, today=args.today, users=users):
            data = {k: v for k, v in b.__dict__.items() if k != "start"}
            print(json.dumps(data, ensure_ascii=False, indent=1, default=_jsonable))
        return 0
    counts: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    months: Counter[str] = Counter()
    for b in generate(args.customers, seed=args.seed, today=args.today, users=users):
        counts.update({"customers": len(b.customers), "orders": len(b.orders), "items": len(b.items),
                       "interactions": len(b.interactions), "tasks": len(b.tasks)})  # fmt: skip
        stages.update(c["生命周期阶段"] for c in b.customers)
        months.update(f"{o['下单时间']:%Y-%m}" for o in b.orders)
    print(json.dumps({"counts": counts, "lifecycle": stages, "orders_by_month": dict(sorted(months.items()))},
                     ensure_ascii=False, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
