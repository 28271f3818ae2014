use super::*;

#[test]
fn personal_details_in_realistic_comments_become_typed_placeholders() {
    let cases = [
        (
            "a home's building, unit and room",
            "我住在阳光小区3幢2单元501室，楼下饭店油烟太大",
            "我住在阳光小区[门牌号]，楼下饭店油烟太大",
        ),
        (
            "a 号楼 building and a room without 室",
            "5号楼1单元302的邻居也反映过",
            "[门牌号]的邻居也反映过",
        ),
        (
            "a building and a four-digit room",
            "我家12栋1602，窗外就是夜排档",
            "我家[门牌号]，窗外就是夜排档",
        ),
        (
            "a unit and a room",
            "2单元301室门口堆满了垃圾",
            "[门牌号]门口堆满了垃圾",
        ),
        (
            "the dashed shorthand, full-width digits",
            "地址３-２-５０１室",
            "地址[门牌号]",
        ),
        (
            "an office tower's lettered block",
            "公司在B座1203，楼下食堂不卫生",
            "公司在[门牌号]，楼下食堂不卫生",
        ),
        (
            "a mobile number in one piece",
            "有问题请打我手机13812345678，谢谢",
            "有问题请打我手机[手机号]，谢谢",
        ),
        (
            "a mobile number with spaces",
            "联系我 138 1234 5678 就行",
            "联系我 [手机号] 就行",
        ),
        (
            "a mobile number with dashes and +86",
            "电话：+86 138-1234-5678。",
            "电话：[手机号]。",
        ),
        (
            "a mobile number with 86 and full-width digits",
            "我的号码是８６１５９１２３４５６７８",
            "我的号码是[手机号]",
        ),
        (
            "a landline with its area code",
            "可以打我家座机0573-82345678反映",
            "可以打我家座机[电话]反映",
        ),
        (
            "a landline without separator",
            "办公室057382345678",
            "办公室[电话]",
        ),
        (
            "a local number after the word 电话",
            "我家电话82345678，晚上在",
            "我家电话[电话]，晚上在",
        ),
        (
            "a resident identity number",
            "我身份证330402198001011236，可以核实",
            "我身份证[身份证号]，可以核实",
        ),
        (
            "a resident identity number ending in X",
            "身份证号：11010519491231002X",
            "身份证号：[身份证号]",
        ),
        (
            "an identity number in 6-8-4 groups",
            "证件 330481 19560708 0027 老人",
            "证件 [身份证号] 老人",
        ),
        (
            "an old 15-digit identity number",
            "老身份证330402800101123也行",
            "老身份证[身份证号]也行",
        ),
        (
            "a bank card number",
            "退款打到卡号6222021234567894",
            "退款打到卡号[银行卡号]",
        ),
        (
            "a 19-digit bank card in groups of four",
            "建行卡 6217 0000 1234 5678 907 收款",
            "建行卡 [银行卡号] 收款",
        ),
        (
            "an e-mail address",
            "结果请发到 zhang.san@example.com 吧",
            "结果请发到 [邮箱] 吧",
        ),
        (
            "a QQ mailbox is an e-mail address",
            "邮箱12345678@qq.com",
            "邮箱[邮箱]",
        ),
        ("a QQ number", "加我QQ：123456789", "加我QQ：[QQ号]"),
        ("a QQ number after qq号", "qq号 87654321", "qq号 [QQ号]"),
        (
            "a WeChat id",
            "微信号：zhangsan_1980 随时联系",
            "微信号：[微信号] 随时联系",
        ),
        ("a WeChat id after wx", "wx: lisi-jx2016", "wx: [微信号]"),
        (
            "a car plate",
            "浙F12345这辆车天天在学校门口卖烧烤",
            "[车牌号]这辆车天天在学校门口卖烧烤",
        ),
        (
            "a new-energy plate with a dot",
            "车牌浙F·D12345",
            "车牌[车牌号]",
        ),
        (
            "two numbers in one run",
            "电话 0573-82345678 13812345678",
            "电话 [电话] [手机号]",
        ),
        // Found by the security review (2026-11-30) as stored unchanged.
        ("a mobile glued to tel", "tel13812345678", "tel[手机号]"),
        (
            "a mobile in dotted groups",
            "手机138.1234.5678",
            "手机[手机号]",
        ),
        (
            "a mobile in comma groups",
            "电话138,1234,5678",
            "电话[手机号]",
        ),
        (
            "a mobile in slashed groups",
            "打138/1234/5678",
            "打[手机号]",
        ),
        (
            "a mobile and a floor in one run",
            "138 1234 5678 3楼",
            "[手机号] 3楼",
        ),
        ("a QQ number after 是", "QQ号码是12345678", "QQ号码是[QQ号]"),
        ("a spaced-out QQ", "Q Q 12345678", "Q Q [QQ号]"),
        ("a spaced-out 微信", "微 信 wangfang88", "微 信 [微信号]"),
        (
            "an identity number split unevenly",
            "3304021980 01011236",
            "[身份证号]",
        ),
        ("a plate with a space", "车牌浙F 12345", "车牌[车牌号]"),
        (
            "an identity number one digit off, after the word for it",
            "身份证11010519491231003X",
            "身份证[身份证号]",
        ),
        (
            "one digit off, all digits, after 身份证号是",
            "身份证号是330402197001011230，请回电",
            "身份证号是[身份证号]，请回电",
        ),
        (
            "one digit off and ending in X, with no word before it",
            "我是33040219700101123X",
            "我是[身份证号]",
        ),
        (
            "a card number failing the Luhn check, after the word for it",
            "银行卡 6222021234567890123 退款",
            "银行卡 [银行卡号] 退款",
        ),
        (
            "an account number in groups, after 卡号：",
            "卡号：6222 0212 3456 7890 123",
            "卡号：[银行卡号]",
        ),
    ];
    for (description, input, expected) in cases {
        assert_eq!(scrub(input), expected, "{description}");
    }
}

#[test]
fn numbers_written_in_chinese_numerals_are_judged_like_digits() {
    let cases = [
        (
            "a mobile number in Chinese numerals",
            "我手机一三八一二三四五六七八，随时打",
            "我手机[手机号]，随时打",
        ),
        (
            "a mobile number with 幺 for one",
            "号码幺三八幺二三四五六七八",
            "号码[手机号]",
        ),
        (
            "digits and numerals mixed, in groups",
            "打138 一二三四 5678找我",
            "打[手机号]找我",
        ),
        (
            "a landline with 零 and 〇",
            "座机零五七三-八二三四五六七〇",
            "座机[电话]",
        ),
        (
            "a number in numerals followed by a word starting with 一",
            "我手机一三八一二三四五六七八一直开着",
            "我手机[手机号]一直开着",
        ),
        (
            "a number in digits followed by a word starting with 一",
            "电话13812345678一直没人接",
            "电话[手机号]一直没人接",
        ),
        (
            "an identity number in numerals",
            "身份证三三〇四〇二一九八〇〇一〇一一二三六",
            "身份证[身份证号]",
        ),
    ];
    for (description, input, expected) in cases {
        assert_eq!(scrub(input), expected, "{description}");
    }
    let (_, found) = scrub_with_report("一三八一二三四五六七八");
    assert_eq!(found, [Found::Mobile], "reported as a mobile number");
}

#[test]
fn near_misses_stay_as_written() {
    let cases = [
        ("a price", "猪肉涨到38.5元一斤了"),
        ("a date", "2016-10-10那天去的菜市场"),
        ("a year", "2016年以来食品安全好多了"),
        ("the complaint hotline", "打12331投诉没人接"),
        ("the consumer hotline", "12315很有用"),
        ("a quantity and a time", "买了500克，10:30到的"),
        ("a date range", "2016-10-10 2016-11-30 之间检查"),
        (
            "an order number failing the Luhn check",
            "订单号6222021234567891没退款",
        ),
        (
            "an 18-digit number failing the identity checksum",
            "编号330402198001011237是假的",
        ),
        ("an order code glued to letters", "单号JD13812345678已投诉"),
        ("a short number after 卡号", "卡号123没用了"),
        ("an account name after 账号", "账号是zhang88"),
        ("a dotted date", "2016.10.12那天去的"),
        ("a price with a thousands comma", "一共1,380元"),
        ("an address of a machine", "路由器192.168.1.1打不开"),
        ("a dotted version", "版本3.5.2"),
        ("an 11-digit number not starting 13-19", "流水号12012345678"),
        (
            "a ten-digit number not starting with 0",
            "投诉编号2016101012",
        ),
        ("WeChat Pay is not a WeChat id", "用微信支付很方便"),
        (
            "a WeChat public account name in Chinese",
            "关注微信公众号嘉兴食安",
        ),
        ("a province name is not a plate", "浙江省嘉兴市"),
        (
            "a mobile number's decimal neighbour",
            "抽检合格率99.13812345678",
        ),
        ("no digits at all", "希望加强农贸市场的检查。"),
        ("a year in numerals", "二〇一六年以来好多了"),
        ("counting in numerals", "一二三四五，检查了五家"),
        ("numerals that are no phone", "十一三八一二三四五六七八九十"),
        (
            "a run of eleven numerals not starting 13-19",
            "一二〇一二三四五六七八",
        ),
        ("ordinary words with 一", "一定要一查到底，一个都不放过"),
        ("a building without a room", "3栋楼下的小吃店"),
        ("a unit without a room", "1单元的电梯坏了"),
        ("a metro line and a window", "3号线旁边的2号窗口"),
        ("households counted", "这个小区有12幢，800户人家"),
        ("a building's floor area", "5幢1000平方米的菜市场"),
        ("a year after a building", "3幢2016年盖的"),
        ("a price after a unit", "2单元300元一个月"),
    ];
    for (description, input) in cases {
        assert_eq!(scrub(input), input, "{description} must stay");
    }
}

#[test]
fn the_report_names_what_was_replaced() {
    let (text, found) = scrub_with_report("手机13812345678，邮箱a@b.cn");

    assert_eq!(text, "手机[手机号]，邮箱[邮箱]");
    assert_eq!(found, [Found::Email, Found::Mobile]);
}

#[test]
fn a_scrubbed_text_is_never_longer_in_characters() {
    // Answers are checked against max_length before scrubbing; scrubbing must keep them in it.
    let shortest = [
        ("13812345678", Found::Mobile),
        ("0573-8234567", Found::Landline),
        ("330402800101123", Found::ResidentId),
        ("6222021234567894", Found::BankCard),
        ("a@b.cn", Found::Email),
        ("QQ12345", Found::Qq),
        ("微信abcdef", Found::WeChat),
        ("浙F12345", Found::Plate),
        ("电话8234567", Found::Landline),
        ("1幢101", Found::Dwelling),
        ("A座101", Found::Dwelling),
        ("1单元101", Found::Dwelling),
    ];
    for (detail, kind) in shortest {
        let scrubbed = scrub(detail);
        assert!(
            scrubbed.contains(kind.placeholder()),
            "{detail} is found as {kind:?}: {scrubbed}"
        );
        assert!(
            scrubbed.chars().count() <= detail.chars().count(),
            "{detail} → {scrubbed}"
        );
    }
}

#[test]
fn the_checksums_accept_real_examples_and_refuse_one_digit_off() {
    assert!(is_resident_id("330402198001011236"));
    assert!(is_resident_id("11010519491231002X"));
    assert!(!is_resident_id("330402198001011235"), "wrong check digit");
    assert!(
        !is_resident_id("330402198013011233"),
        "month 13 is no birth date"
    );
    assert!(luhn("6222021234567894"));
    assert!(!luhn("6222021234567895"));
}

#[test]
fn any_mix_of_digits_numerals_and_separators_is_scrubbed_without_growing() {
    // Generated text around the number passes: whatever a resident types, scrubbing returns
    // (no panic on a slice) and never makes the answer longer than max_length allowed.
    let alphabet: Vec<char> =
        "0123456789０９〇零一二三四五六七八九幺十百 -－+＋Xx.@电话号码微信QQ浙F，。a幢栋楼座单元室"
            .chars()
            .collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..10_000 {
        let len = (next() % 40) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let scrubbed = scrub(&text);
        assert!(
            scrubbed.chars().count() <= text.chars().count(),
            "{text:?} → {scrubbed:?}"
        );
    }
}

#[test]
fn found_all_lists_every_kind_once_in_order() {
    // A new kind breaks this match, and so asks for its place in `Found::ALL`.
    let position = |found: Found| match found {
        Found::Mobile => 0,
        Found::Landline => 1,
        Found::ResidentId => 2,
        Found::BankCard => 3,
        Found::Email => 4,
        Found::Qq => 5,
        Found::WeChat => 6,
        Found::Plate => 7,
        Found::Dwelling => 8,
    };
    for (i, found) in Found::ALL.iter().enumerate() {
        assert_eq!(position(*found), i, "{found:?}");
    }
}
