/* shequ district dashboard: vanilla JS, inline SVG charts, no external requests.
 *
 * Routes (URL fragment): #/ (district overview), #/community/<id>, #token=<jwt> (stores the token, then #/).
 * Every figure element carries data-figure="<name>" (and data-value with the raw number) for tests.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------- i18n
  var I18N = {
    zh: {
      'app.name': '社区治理 · 区级驾驶舱',
      'app.sub': '基层网格 · 集体经济 · 民生保障 · 志愿服务',
      'action.csv': '导出 CSV',
      'action.logout': '退出',
      'action.refresh': '刷新',
      'action.back': '← 返回区级总览',
      'lang.other': 'EN',
      'login.title': '登录区级驾驶舱',
      'login.hint': '请粘贴区级操作员令牌（Bearer 令牌）。令牌仅保存在本标签页中。',
      'login.token': '访问令牌',
      'login.submit': '进入',
      'login.invalid': '令牌无效、已过期或无权访问区级数据，请重新输入。',
      'footer.privacy': '区级视图仅展示汇总数据，不含个人信息。金额单位：元。',
      'fresh.as_of': '数据截至',
      'fresh.lag': '投影延迟',
      'fresh.events': '条事件',
      'fresh.served': '刷新于',
      'fresh.none': '暂无数据',
      'loading': '加载中…',
      'error.generic': '数据加载失败',
      'error.retry': '重试',
      'empty': '暂无数据',
      'section.population': '人口与规模',
      'section.grid': '基层网格',
      'section.economy': '集体经济',
      'section.welfare': '民生保障',
      'section.volunteering': '志愿服务',
      'section.trends': '近 12 个月趋势（全区）',
      'section.alerts': '预警',
      'section.communities': '社区一览',
      'overview.title': '全区概览',
      'overview.sub': '共 {n} 个社区 · 点击社区查看详情',
      'alerts.more': '展开全部 {n} 条',
      'alerts.less': '收起',
      'kpi.communities': '社区数',
      'kpi.households': '户数',
      'kpi.residents': '常住人口',
      'kpi.floating': '流动人口',
      'kpi.open_cases': '在办事件',
      'kpi.reported': '累计上报',
      'kpi.overdue_cases': '超期事件',
      'kpi.overdue_hint': '已超过办理期限',
      'kpi.mediation_success': '调解成功率',
      'kpi.mediations': '成功 {settled} / {opened} 件',
      'kpi.income_ytd': '集体收入（本年）',
      'kpi.net_income': '净收入',
      'kpi.debt': '集体负债',
      'kpi.arrears': '租金欠缴',
      'kpi.arrears_90': '其中 90 天以上',
      'kpi.beneficiaries': '保障对象',
      'kpi.allowance_households': '低保户数',
      'kpi.allowance_monthly': '每月低保金',
      'kpi.volunteers': '注册志愿者',
      'kpi.active_volunteers': '近 90 天活跃',
      'kpi.volunteer_hours': '志愿服务时长',
      'kpi.help_fulfilled': '已完成求助',
      'unit.households': '户',
      'unit.people': '人',
      'unit.cases': '件',
      'unit.hours': '小时',
      'unit.communities': '个',
      'trend.cases': '事件上报与办结',
      'trend.income': '集体收入',
      'trend.hours': '志愿服务时长',
      'series.reported': '上报',
      'series.resolved': '办结',
      'table.search': '搜索社区名称或编号',
      'table.name': '社区',
      'table.residents': '常住人口',
      'table.open_cases': '在办',
      'table.overdue_cases': '超期',
      'table.trend_cases': '事件趋势',
      'table.income': '本年集体收入',
      'table.trend_income': '收入趋势',
      'table.arrears': '租金欠缴',
      'table.beneficiaries': '保障对象',
      'table.volunteers': '志愿者',
      'table.range': '第 {from}–{to} 条，共 {total} 条',
      'table.none': '没有匹配的社区',
      'table.prev': '上一页',
      'table.next': '下一页',
      'table.sort_hint': '点击表头排序',
      'alerts.none': '当前没有社区超出预警阈值',
      'alerts.threshold': '阈值',
      'alert.overdue_cases': '超期事件 {value} 件',
      'alert.arrears_growth': '30 天内欠缴增加 {value}',
      'alert.cycles_pending_approval': '{value} 个发放批次待审批',
      'alert.dead_lettered_events': '{value} 条事件进入死信队列，数据可能不完整',
      'alert.system': '系统',
      'community.district': '所属街道/区',
      'community.not_found': '该社区暂无数据',
      'chart.cases_month': '事件上报与办结（按月）',
      'chart.cases_category': '事件类别（累计上报）',
      'chart.mediation': '矛盾调解（按纠纷类型）',
      'chart.income_month': '集体收入（按月）',
      'chart.income_source': '本年收入来源',
      'chart.arrears_aging': '租金欠缴账龄',
      'chart.beneficiaries': '保障对象（按类别）',
      'chart.disbursed_month': '救助发放金额（按月）',
      'chart.hours_month': '志愿服务时长（按月）',
      'chart.teams': '志愿队伍排行（服务时长）',
      'chart.members': '{n} 人',
      'chart.overdue': '超期 {n}',
      'chart.settled': '成功 {settled}/{opened}',
      'aging.current': '逾期 30 天内',
      'aging.30': '逾期 30–59 天',
      'aging.60': '逾期 60–89 天',
      'aging.90+': '逾期 90 天以上',
      'cat.noise': '噪音扰民',
      'cat.sanitation': '环境卫生',
      'cat.roads_and_lighting': '道路照明',
      'cat.drainage': '排水管网',
      'cat.safety_hazard': '安全隐患',
      'cat.neighbour_dispute': '邻里纠纷',
      'cat.elderly_assistance': '助老服务',
      'cat.other': '其他',
      'dispute.neighbour': '邻里纠纷',
      'dispute.family': '家庭纠纷',
      'dispute.property': '物业纠纷',
      'dispute.labour': '劳动纠纷',
      'dispute.other': '其他',
      'benef.minimum_allowance_member': '低保对象',
      'benef.extreme_poverty': '特困人员',
      'benef.disabled': '残疾人',
      'benef.elderly_living_alone': '独居老人',
      'benef.aged_80_plus': '80 岁以上老人',
      'source.rent': '租金',
      'source.tax_rebate': '税收返还',
      'source.land_compensation': '土地收储补偿',
      'source.community_company': '社区企业',
      'source.other': '其他',
      'purpose.issue_collection': '问题收集',
      'purpose.legal_aid': '法律援助',
      'purpose.environment_patrol': '环境巡查',
      'purpose.elderly_care': '助老',
      'purpose.culture': '文化',
      'purpose.other': '其他',
      'tab.hint': '分领域明细',
      'section.details_district': '全区分领域明细',
      'section.details_community': '分领域明细',
      'section.rankings': '社区排行',
      'rank.order_desc': '从高到低',
      'rank.order_asc': '从低到高',
      'rank.indicator': '指标',
      'rank.none': '暂无可排行的社区',
      'ind.collective_income_growth': '集体收入环比增长',
      'ind.arrears_fen': '租金欠缴',
      'ind.overdue_cases': '超期事件',
      'ind.mediation_success_rate': '调解成功率',
      'ind.volunteers_per_1000_residents': '每千人志愿者',
      'ind.collective_income_ytd_fen': '本年集体收入',
      'ind.per_capita_income_fen': '人均纯收入',
      'ind.median_resolve_hours': '办结用时中位数（小时）',
      'ind.satisfaction': '群众满意度',
      'ind.registration_rate': '流动人口登记率',
      'ind.occupancy_rate': '资产出租率',
      'ind.beneficiary_share_of_residents': '保障对象占比',
      'ind.active_volunteers': '近 90 天活跃志愿者',
      'ind.help_requests_fulfilled': '已完成求助',
      'g.open': '在办',
      'g.overdue': '超期',
      'g.resolved': '已办结',
      'g.reported': '累计上报',
      'g.median_hours': '办结用时中位数',
      'g.p90_hours': '办结用时 P90',
      'g.satisfaction': '满意度',
      'g.ratings': '{n} 人评价',
      'g.mediations': '调解受理',
      'g.mediation_rate': '调解成功率',
      'g.inspections': '巡查次数',
      'g.hazards': '发现隐患',
      'g.rental_households': '出租户',
      'g.registration_rate': '流动人口登记率',
      'g.registered_persons': '已登记 {n} 人',
      'g.followups_active': '在册帮教',
      'g.reoffending_rate': '重新犯罪率',
      'g.ended': '已结束 {n} 人',
      'g.ended_col': '已结束',
      'g.cases_table': '事件（按类别）',
      'g.category': '类别',
      'g.all': '合计',
      'g.median_h': '中位用时(h)',
      'g.p90_h': 'P90(h)',
      'g.mediation_table': '矛盾调解（按纠纷类型）',
      'g.dispute_type': '纠纷类型',
      'g.opened': '受理',
      'g.settled': '成功',
      'g.failed': '失败',
      'g.success_rate': '成功率',
      'g.satisfaction_chart': '满意度评价分布',
      'g.stars': '{n} 星',
      'g.inspection_table': '巡查（按类型）',
      'g.inspection_type': '类型',
      'g.followup_table': '帮教（按对象）',
      'g.group': '对象',
      'g.active': '在册',
      'g.reoffended': '重新犯罪',
      'g.cells': '网格明细',
      'g.cell': '网格',
      'g.households': '户数',
      'g.workers': '网格员',
      'g.satisfaction_short': '满意度',
      'g.mediation_short': '调解',
      'g.inspection_short': '巡查/隐患',
      'g.rentals_short': '出租户',
      'g.followups_short': '帮教 · 重新犯罪率',
      'g.cells_hint': '点击网格查看事件类别',
      'g.cases_month': '事件上报与办结（按月）',
      'insp.fire_safety': '消防安全',
      'insp.environment': '环境',
      'insp.sanitation': '环境卫生',
      'insp.key_site': '重点场所',
      'fgroup.community_correction': '社区矫正',
      'fgroup.released_prisoner': '刑满释放',
      'e.income_ytd': '本年集体收入',
      'e.expenses_ytd': '本年支出',
      'e.net_income_ytd': '本年净收入',
      'e.income_growth': '收入环比（近三月）',
      'e.debt': '集体负债',
      'e.arrears': '租金欠缴',
      'e.arrears_90': '90 天以上 {v}',
      'e.occupancy': '资产出租率',
      'e.occupancy_area': '{leased} / {total} m²',
      'e.enterprises': '企业',
      'e.jobs': '就业岗位 {n}',
      'e.companies': '社区企业',
      'e.distributions_owed': '分红待付',
      'e.distributions_paid': '已付 {v}',
      'e.per_capita': '人均纯收入',
      'e.per_capita_table': '人均纯收入（按年）',
      'e.year': '年度',
      'e.amount': '金额',
      'e.expenses_chart': '本年支出（按类别）',
      'exp.staff': '人员',
      'exp.maintenance': '维修养护',
      'exp.public_services': '公共服务',
      'w.beneficiaries': '保障对象',
      'w.share': '占常住人口 {v}',
      'w.allowance_households': '低保户数',
      'w.allowance_monthly': '每月低保金',
      'w.cycles_pending': '待审批发放批次',
      'w.relief_value': '临时救助',
      'w.placements': '辅助就业在岗',
      'w.wages': '辅助就业工资',
      'w.wages_sub': '社保 {ins} · 午餐 {lunch}',
      'w.relief_table': '救助（按场合）',
      'w.occasion': '场合',
      'w.times': '次数',
      'w.value': '金额',
      'w.disbursed_table': '发放金额（按项目、按月，单位：元）',
      'w.programme': '项目',
      'w.programme_hint': '项目编号（接口未提供项目名称）',
      'occasion.festival_visit': '节日走访慰问',
      'occasion.charity_supermarket': '爱心超市',
      'v.registered': '注册志愿者',
      'v.active': '近 90 天活跃',
      'v.per_1000': '每千名居民',
      'v.hours': '服务时长',
      'v.activities': '开展活动',
      'v.help_received': '收到求助',
      'v.help_fulfilled': '完成求助',
      'v.median_fulfil': '求助响应中位数',
      'v.points_awarded': '发放积分',
      'v.points_redeemed': '兑换积分',
      'v.hours_chart': '志愿服务时长（按月）',
      'v.teams': '志愿队伍排行（服务时长）'
    },
    en: {
      'app.name': 'shequ · District dashboard',
      'app.sub': 'Grid governance · Collective economy · Welfare · Volunteering',
      'action.csv': 'Export CSV',
      'action.logout': 'Sign out',
      'action.refresh': 'Refresh',
      'action.back': '← Back to district overview',
      'lang.other': '中文',
      'login.title': 'Sign in to the district dashboard',
      'login.hint': 'Paste a district operator bearer token. It is kept in this browser tab only.',
      'login.token': 'Access token',
      'login.submit': 'Open dashboard',
      'login.invalid': 'The token is invalid, expired or not allowed to read district data. Please try again.',
      'footer.privacy': 'District views show aggregates only, no personal data. Amounts in yuan (CNY).',
      'fresh.as_of': 'Data as of',
      'fresh.lag': 'projector lag',
      'fresh.events': 'events',
      'fresh.served': 'refreshed',
      'fresh.none': 'no data yet',
      'loading': 'Loading…',
      'error.generic': 'Could not load data',
      'error.retry': 'Retry',
      'empty': 'No data yet',
      'section.population': 'Population',
      'section.grid': 'Grid governance',
      'section.economy': 'Collective economy',
      'section.welfare': 'Welfare',
      'section.volunteering': 'Volunteering',
      'section.trends': 'Last 12 months (district)',
      'section.alerts': 'Alerts',
      'section.communities': 'Communities',
      'overview.title': 'District overview',
      'overview.sub': '{n} communities · click one for its details',
      'alerts.more': 'Show all {n}',
      'alerts.less': 'Show fewer',
      'kpi.communities': 'Communities',
      'kpi.households': 'Households',
      'kpi.residents': 'Residents',
      'kpi.floating': 'floating population',
      'kpi.open_cases': 'Open cases',
      'kpi.reported': 'reported in total',
      'kpi.overdue_cases': 'Overdue cases',
      'kpi.overdue_hint': 'past their deadline',
      'kpi.mediation_success': 'Mediation success',
      'kpi.mediations': '{settled} of {opened} settled',
      'kpi.income_ytd': 'Collective income YTD',
      'kpi.net_income': 'net',
      'kpi.debt': 'Debt outstanding',
      'kpi.arrears': 'Rent arrears',
      'kpi.arrears_90': 'over 90 days',
      'kpi.beneficiaries': 'Beneficiaries',
      'kpi.allowance_households': 'Allowance households',
      'kpi.allowance_monthly': 'paid monthly',
      'kpi.volunteers': 'Volunteers',
      'kpi.active_volunteers': 'active in 90 days',
      'kpi.volunteer_hours': 'Volunteer hours',
      'kpi.help_fulfilled': 'help requests fulfilled',
      'unit.households': '',
      'unit.people': '',
      'unit.cases': '',
      'unit.hours': 'h',
      'unit.communities': '',
      'trend.cases': 'Cases reported and resolved',
      'trend.income': 'Collective income',
      'trend.hours': 'Volunteer hours',
      'series.reported': 'reported',
      'series.resolved': 'resolved',
      'table.search': 'Search by community name or id',
      'table.name': 'Community',
      'table.residents': 'Residents',
      'table.open_cases': 'Open',
      'table.overdue_cases': 'Overdue',
      'table.trend_cases': 'Cases trend',
      'table.income': 'Income YTD',
      'table.trend_income': 'Income trend',
      'table.arrears': 'Arrears',
      'table.beneficiaries': 'Beneficiaries',
      'table.volunteers': 'Volunteers',
      'table.range': '{from}–{to} of {total}',
      'table.none': 'No community matches',
      'table.prev': 'Previous',
      'table.next': 'Next',
      'table.sort_hint': 'Click a header to sort',
      'alerts.none': 'No community is over an alert threshold',
      'alerts.threshold': 'threshold',
      'alert.overdue_cases': '{value} overdue cases',
      'alert.arrears_growth': 'arrears up {value} in 30 days',
      'alert.cycles_pending_approval': '{value} payment cycles awaiting approval',
      'alert.dead_lettered_events': '{value} events dead-lettered: figures may be incomplete',
      'alert.system': 'System',
      'community.district': 'District',
      'community.not_found': 'No figures for this community yet',
      'chart.cases_month': 'Cases reported and resolved by month',
      'chart.cases_category': 'Cases by category (reported)',
      'chart.mediation': 'Mediation by dispute type',
      'chart.income_month': 'Collective income by month',
      'chart.income_source': 'Income YTD by source',
      'chart.arrears_aging': 'Rent arrears by age',
      'chart.beneficiaries': 'Beneficiaries by category',
      'chart.disbursed_month': 'Welfare disbursed by month',
      'chart.hours_month': 'Volunteer hours by month',
      'chart.teams': 'Team leaderboard (hours)',
      'chart.members': '{n} members',
      'chart.overdue': '{n} overdue',
      'chart.settled': '{settled}/{opened} settled',
      'aging.current': 'Under 30 days',
      'aging.30': '30–59 days',
      'aging.60': '60–89 days',
      'aging.90+': '90+ days',
      'cat.noise': 'Noise',
      'cat.sanitation': 'Sanitation',
      'cat.roads_and_lighting': 'Roads & lighting',
      'cat.drainage': 'Drainage',
      'cat.safety_hazard': 'Safety hazard',
      'cat.neighbour_dispute': 'Neighbour dispute',
      'cat.elderly_assistance': 'Elderly assistance',
      'cat.other': 'Other',
      'dispute.neighbour': 'Neighbour',
      'dispute.family': 'Family',
      'dispute.property': 'Property',
      'dispute.labour': 'Labour',
      'dispute.other': 'Other',
      'benef.minimum_allowance_member': 'Minimum allowance',
      'benef.extreme_poverty': 'Extreme poverty',
      'benef.disabled': 'Disabled',
      'benef.elderly_living_alone': 'Elderly living alone',
      'benef.aged_80_plus': 'Aged 80+',
      'source.rent': 'Rent',
      'source.tax_rebate': 'Tax rebate',
      'source.land_compensation': 'Land reserve compensation',
      'source.community_company': 'Community companies',
      'source.other': 'Other',
      'purpose.issue_collection': 'Issue collection',
      'purpose.legal_aid': 'Legal aid',
      'purpose.environment_patrol': 'Environment patrol',
      'purpose.elderly_care': 'Elderly care',
      'purpose.culture': 'Culture',
      'purpose.other': 'Other',
      'tab.hint': 'Details by domain',
      'section.details_district': 'District details by domain',
      'section.details_community': 'Details by domain',
      'section.rankings': 'Community rankings',
      'rank.order_desc': 'Highest first',
      'rank.order_asc': 'Lowest first',
      'rank.indicator': 'Indicator',
      'rank.none': 'No community has this figure yet',
      'ind.collective_income_growth': 'Collective income growth (QoQ)',
      'ind.arrears_fen': 'Rent arrears',
      'ind.overdue_cases': 'Overdue cases',
      'ind.mediation_success_rate': 'Mediation success rate',
      'ind.volunteers_per_1000_residents': 'Volunteers per 1,000 residents',
      'ind.collective_income_ytd_fen': 'Collective income YTD',
      'ind.per_capita_income_fen': 'Per-capita income',
      'ind.median_resolve_hours': 'Median time to resolve (h)',
      'ind.satisfaction': 'Satisfaction',
      'ind.registration_rate': 'Floating population registration rate',
      'ind.occupancy_rate': 'Asset occupancy',
      'ind.beneficiary_share_of_residents': 'Beneficiaries share of residents',
      'ind.active_volunteers': 'Active volunteers (90 days)',
      'ind.help_requests_fulfilled': 'Help requests fulfilled',
      'g.open': 'Open',
      'g.overdue': 'Overdue',
      'g.resolved': 'Resolved',
      'g.reported': 'Reported',
      'g.median_hours': 'Median time to resolve',
      'g.p90_hours': '90th pct. time to resolve',
      'g.satisfaction': 'Satisfaction',
      'g.ratings': '{n} ratings',
      'g.mediations': 'Mediations',
      'g.mediation_rate': 'Mediation success',
      'g.inspections': 'Inspections',
      'g.hazards': 'Hazards found',
      'g.rental_households': 'Rental households',
      'g.registration_rate': 'Registration rate',
      'g.registered_persons': '{n} persons registered',
      'g.followups_active': 'Follow-ups active',
      'g.reoffending_rate': 'Reoffending rate',
      'g.ended': '{n} ended',
      'g.ended_col': 'Ended',
      'g.cases_table': 'Cases by category',
      'g.category': 'Category',
      'g.all': 'All',
      'g.median_h': 'Median (h)',
      'g.p90_h': 'P90 (h)',
      'g.mediation_table': 'Mediation by dispute type',
      'g.dispute_type': 'Dispute type',
      'g.opened': 'Opened',
      'g.settled': 'Settled',
      'g.failed': 'Failed',
      'g.success_rate': 'Success',
      'g.satisfaction_chart': 'Satisfaction ratings',
      'g.stars': '{n} stars',
      'g.inspection_table': 'Inspections by type',
      'g.inspection_type': 'Type',
      'g.followup_table': 'Follow-ups by group',
      'g.group': 'Group',
      'g.active': 'Active',
      'g.reoffended': 'Reoffended',
      'g.cells': 'Grid cells',
      'g.cell': 'Cell',
      'g.households': 'Households',
      'g.workers': 'Workers',
      'g.satisfaction_short': 'Satisfaction',
      'g.mediation_short': 'Mediation',
      'g.inspection_short': 'Inspections / hazards',
      'g.rentals_short': 'Rentals',
      'g.followups_short': 'Follow-ups · reoffending',
      'g.cells_hint': 'Click a cell for its cases by category',
      'g.cases_month': 'Cases reported and resolved by month',
      'insp.fire_safety': 'Fire safety',
      'insp.environment': 'Environment',
      'insp.sanitation': 'Sanitation',
      'insp.key_site': 'Key sites',
      'fgroup.community_correction': 'Community correction',
      'fgroup.released_prisoner': 'Released prisoners',
      'e.income_ytd': 'Collective income YTD',
      'e.expenses_ytd': 'Expenses YTD',
      'e.net_income_ytd': 'Net income YTD',
      'e.income_growth': 'Income growth (last quarter)',
      'e.debt': 'Debt outstanding',
      'e.arrears': 'Rent arrears',
      'e.arrears_90': '{v} over 90 days',
      'e.occupancy': 'Asset occupancy',
      'e.occupancy_area': '{leased} of {total} m² leased',
      'e.enterprises': 'Enterprises',
      'e.jobs': '{n} jobs',
      'e.companies': 'Community companies',
      'e.distributions_owed': 'Distributions owed',
      'e.distributions_paid': '{v} paid',
      'e.per_capita': 'Per-capita income',
      'e.per_capita_table': 'Per-capita income by year',
      'e.year': 'Year',
      'e.amount': 'Amount',
      'e.expenses_chart': 'Expenses YTD by category',
      'exp.staff': 'Staff',
      'exp.maintenance': 'Maintenance',
      'exp.public_services': 'Public services',
      'w.beneficiaries': 'Beneficiaries',
      'w.share': '{v} of residents',
      'w.allowance_households': 'Allowance households',
      'w.allowance_monthly': 'Allowance per month',
      'w.cycles_pending': 'Cycles pending approval',
      'w.relief_value': 'Relief',
      'w.placements': 'Assisted-employment placements',
      'w.wages': 'Assisted-employment wages',
      'w.wages_sub': 'insurance {ins} · lunch {lunch}',
      'w.relief_table': 'Relief by occasion',
      'w.occasion': 'Occasion',
      'w.times': 'Times',
      'w.value': 'Value',
      'w.disbursed_table': 'Disbursed by programme and month (yuan)',
      'w.programme': 'Programme',
      'w.programme_hint': 'Programme id (the API serves no programme name)',
      'occasion.festival_visit': 'Festival visits',
      'occasion.charity_supermarket': 'Charity supermarket',
      'v.registered': 'Registered volunteers',
      'v.active': 'Active (90 days)',
      'v.per_1000': 'Per 1,000 residents',
      'v.hours': 'Hours served',
      'v.activities': 'Activities held',
      'v.help_received': 'Help requests received',
      'v.help_fulfilled': 'Help requests fulfilled',
      'v.median_fulfil': 'Median time to fulfil',
      'v.points_awarded': 'Points awarded',
      'v.points_redeemed': 'Points redeemed',
      'v.hours_chart': 'Volunteer hours by month',
      'v.teams': 'Team leaderboard (hours)'
    }
  };

  var LANG_KEY = 'shequ.lang';
  var TOKEN_KEY = 'shequ.token';
  var lang = I18N[storageGet(localStorage, LANG_KEY)] ? storageGet(localStorage, LANG_KEY) : 'zh';

  function storageGet(store, key) {
    try { return store.getItem(key); } catch (e) { return null; }
  }
  function storageSet(store, key, value) {
    try { if (value === null) { store.removeItem(key); } else { store.setItem(key, value); } } catch (e) { /* private mode */ }
  }

  function t(key, vars) {
    var text = I18N[lang][key];
    if (text === undefined) { text = I18N.zh[key]; }
    if (text === undefined) { return key; }
    return text.replace(/\{(\w+)\}/g, function (_, name) { return vars && vars[name] !== undefined ? vars[name] : ''; });
  }
  function label(prefix, value) {
    var key = prefix + '.' + value;
    return I18N[lang][key] !== undefined ? I18N[lang][key] : String(value).replace(/_/g, ' ');
  }
  function locale() { return lang === 'zh' ? 'zh-CN' : 'en-US'; }

  // ---------------------------------------------------------------- formatting
  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function fmtInt(v) {
    return isNum(v) ? v.toLocaleString(locale(), { maximumFractionDigits: 0 }) : '—';
  }
  function fmtNum(v, digits) {
    return isNum(v) ? v.toLocaleString(locale(), { maximumFractionDigits: digits === undefined ? 1 : digits }) : '—';
  }
  function fmtPct(v) { return isNum(v) ? (v * 100).toFixed(1) + '%' : '—'; }
  /** Money in fen -> {value, unit}: yuan, 万元 (zh) / K, M (en) for large amounts. */
  function money(fen) {
    if (!isNum(fen)) { return { value: '—', unit: '' }; }
    var yuan = fen / 100;
    var abs = Math.abs(yuan);
    if (lang === 'zh') {
      if (abs >= 1e8) { return { value: (yuan / 1e8).toLocaleString('zh-CN', { maximumFractionDigits: 2 }), unit: '亿元' }; }
      if (abs >= 1e4) { return { value: (yuan / 1e4).toLocaleString('zh-CN', { maximumFractionDigits: abs >= 1e6 ? 1 : 2 }), unit: '万元' }; }
      return { value: yuan.toLocaleString('zh-CN', { maximumFractionDigits: 2 }), unit: '元' };
    }
    if (abs >= 1e6) { return { value: '¥' + (yuan / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 }), unit: 'M' }; }
    if (abs >= 1e4) { return { value: '¥' + (yuan / 1e3).toLocaleString('en-US', { maximumFractionDigits: 1 }), unit: 'K' }; }
    return { value: '¥' + yuan.toLocaleString('en-US', { maximumFractionDigits: 2 }), unit: '' };
  }
  function fmtMoney(fen) {
    var m = money(fen);
    return m.unit ? m.value + (lang === 'zh' ? ' ' : '') + m.unit : m.value;
  }
  /** Short axis labels. */
  function compact(v, isMoney) {
    var x = isMoney ? v / 100 : v;
    var abs = Math.abs(x);
    if (lang === 'zh') {
      if (abs >= 1e8) { return trim(x / 1e8) + '亿'; }
      if (abs >= 1e4) { return trim(x / 1e4) + '万'; }
      return trim(x);
    }
    if (abs >= 1e9) { return trim(x / 1e9) + 'B'; }
    if (abs >= 1e6) { return trim(x / 1e6) + 'M'; }
    if (abs >= 1e3) { return trim(x / 1e3) + 'K'; }
    return trim(x);
  }
  function trim(x) { return String(Math.round(x * 10) / 10); }
  function fmtTime(iso) {
    if (!iso) { return '—'; }
    if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) { return iso; }
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return String(iso); }
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  function monthLabel(m) {
    var month = parseInt(m.slice(5, 7), 10);
    if (lang === 'zh') { return (month === 1 ? m.slice(0, 4) + '年' : '') + month + '月'; }
    var names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    return names[month - 1] + (month === 1 ? ' ' + m.slice(2, 4) : '');
  }
  function lastMonths(count, endMonth) {
    var now = new Date();
    var y = endMonth ? parseInt(endMonth.slice(0, 4), 10) : now.getFullYear();
    var mo = endMonth ? parseInt(endMonth.slice(5, 7), 10) : now.getMonth() + 1;
    var out = [];
    for (var i = 0; i < count; i++) {
      out.unshift(y + '-' + (mo < 10 ? '0' : '') + mo);
      mo -= 1;
      if (mo === 0) { mo = 12; y -= 1; }
    }
    return out;
  }
  function dig(obj) {
    var value = obj;
    for (var i = 1; i < arguments.length; i++) {
      if (value === null || typeof value !== 'object' || !(arguments[i] in value)) { return null; }
      value = value[arguments[i]];
    }
    return value === undefined ? null : value;
  }
  function sumValues(obj) {
    if (!obj || typeof obj !== 'object') { return null; }
    var total = 0;
    Object.keys(obj).forEach(function (k) { if (isNum(obj[k])) { total += obj[k]; } });
    return total;
  }

  // ---------------------------------------------------------------- DOM
  function h(tag, attrs) {
    var el = document.createElement(tag);
    setAttrs(el, attrs);
    appendKids(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }
  var SVGNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs) {
    var el = document.createElementNS(SVGNS, tag);
    setAttrs(el, attrs);
    appendKids(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }
  function setAttrs(el, attrs) {
    if (!attrs) { return; }
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === 'on') { Object.keys(v).forEach(function (ev) { el.addEventListener(ev, v[ev]); }); }
      else if (k === 'text') { el.textContent = v; }
      else { el.setAttribute(k, v === true ? '' : String(v)); }
    });
  }
  function appendKids(el, kids) {
    kids.forEach(function (kid) {
      if (kid === null || kid === undefined || kid === false) { return; }
      if (Array.isArray(kid)) { appendKids(el, kid); return; }
      el.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
    });
  }
  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } return el; }
  /** An element showing one figure: data-figure names it, data-value holds the raw number. */
  function fig(tag, name, raw, text, cls) {
    return h(tag, { 'data-figure': name, 'data-value': isNum(raw) ? raw : '', 'class': cls || null, text: text });
  }

  // ---------------------------------------------------------------- API
  function AuthError() { this.name = 'AuthError'; }
  function HttpError(status, detail) { this.name = 'HttpError'; this.status = status; this.detail = detail; }
  function token() { return storageGet(sessionStorage, TOKEN_KEY); }
  function request(path) {
    return fetch(path, { headers: { Authorization: 'Bearer ' + token(), Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401 || r.status === 403) { throw new AuthError(); }
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (body) {
            throw new HttpError(r.status, body && body.detail);
          });
        }
        return r;
      });
  }
  function api(path) { return request(path).then(function (r) { return r.json(); }); }
  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== null && params[k] !== undefined && params[k] !== ''; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
  }

  // ---------------------------------------------------------------- charts
  var COLORS = ['#2563c9', '#14a38b', '#e0962a', '#7c5bd2', '#d2463c', '#5b7083'];

  /** A chart top whose quarter is a round number (four grid steps). */
  function niceMax(v) {
    if (!(v > 0)) { return 4; }
    var step = v / 4;
    var exp = Math.pow(10, Math.floor(Math.log10(step)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) { if (steps[i] * exp >= step) { return Math.max(4, steps[i] * exp * 4); } }
    return 40 * exp;
  }

  /** Line chart of monthly series: [{name, color, values: {month: value}}] over `months`. */
  function lineChart(series, months, opts) {
    opts = opts || {};
    var W = opts.width || 600, H = opts.height || 210, L = 46, R = 14, T = 14, B = 28;
    var max = 0;
    series.forEach(function (sr) { months.forEach(function (m) { max = Math.max(max, sr.values[m] || 0); }); });
    var top = niceMax(max);
    var x = function (i) { return L + (months.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (months.length - 1)); };
    var y = function (v) { return T + (H - T - B) * (1 - v / top); };
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, 'class': 'chart', role: 'img', 'aria-label': opts.title || '' });
    for (var g = 0; g <= 4; g++) {
      var gv = top * g / 4;
      svg.appendChild(s('line', { x1: L, x2: W - R, y1: y(gv), y2: y(gv), 'class': g === 0 ? 'axis' : 'grid' }));
      svg.appendChild(s('text', { x: L - 8, y: y(gv) + 4, 'text-anchor': 'end', 'class': 'tick' }, compact(gv, opts.money)));
    }
    var every = Math.max(1, Math.ceil(months.length / (W < 500 ? 5 : 7)));
    months.forEach(function (m, i) {
      if ((months.length - 1 - i) % every === 0) {
        svg.appendChild(s('text', { x: x(i), y: H - 8, 'text-anchor': 'middle', 'class': 'tick' }, monthLabel(m)));
      }
    });
    series.forEach(function (sr, idx) {
      var color = sr.color || COLORS[idx % COLORS.length];
      var pts = months.map(function (m, i) { return [x(i), y(sr.values[m] || 0)]; });
      var line = pts.map(function (p) { return p[0].toFixed(1) + ',' + p[1].toFixed(1); }).join(' ');
      if (idx === 0) {
        var area = 'M' + pts[0][0].toFixed(1) + ',' + y(0) + ' L' + line.replace(/ /g, ' L') +
          ' L' + pts[pts.length - 1][0].toFixed(1) + ',' + y(0) + ' Z';
        svg.appendChild(s('path', { d: area, fill: color, 'class': 'area' }));
      }
      svg.appendChild(s('polyline', { points: line, stroke: color, 'class': 'line' }));
      months.forEach(function (m, i) {
        var v = sr.values[m] || 0;
        var known = sr.figure && Object.prototype.hasOwnProperty.call(sr.values, m);
        svg.appendChild(s('circle', { cx: pts[i][0], cy: pts[i][1], r: 3, fill: '#fff', stroke: color, 'class': 'dot',
          'data-figure': known ? sr.figure(m) : null, 'data-value': known && isNum(sr.values[m]) ? sr.values[m] : null },
          s('title', null, monthLabel(m) + ' · ' + (sr.label ? sr.label + ' ' : '') + (opts.format ? opts.format(v) : fmtNum(v)))));
      });
    });
    var wrap = h('div', { 'class': 'chart-wrap' });
    if (series.length > 1) {
      wrap.appendChild(h('div', { 'class': 'legend' }, series.map(function (sr, idx) {
        return h('span', { 'class': 'legend-item' },
          s('svg', { width: 12, height: 12, viewBox: '0 0 12 12', 'aria-hidden': 'true' },
            s('rect', { width: 12, height: 12, rx: 3, fill: sr.color || COLORS[idx % COLORS.length] })),
          sr.label);
      })));
    }
    wrap.appendChild(svg);
    return wrap;
  }

  /** Horizontal bars: [{label, value, note}] */
  function barChart(items, opts) {
    opts = opts || {};
    var W = opts.width || 600, row = 34, L = opts.labelWidth || 150, R = opts.valueWidth || 120, T = 6;
    var H = T * 2 + row * items.length;
    var max = 0;
    items.forEach(function (it) { max = Math.max(max, it.value || 0); });
    var scale = max > 0 ? (W - L - R) / max : 0;
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, 'class': 'chart bars', role: 'img', 'aria-label': opts.title || '' });
    items.forEach(function (it, i) {
      var yy = T + i * row;
      var color = it.color || opts.color || COLORS[0];
      var w = Math.max(it.value > 0 ? 3 : 0, (it.value || 0) * scale);
      var text = opts.format ? opts.format(it.value) : fmtNum(it.value);
      svg.appendChild(s('text', { x: L - 10, y: yy + row / 2 + 4, 'text-anchor': 'end', 'class': 'bar-label' }, it.label));
      svg.appendChild(s('rect', { x: L, y: yy + 8, width: W - L - R + 0.01, height: row - 16, rx: 4, 'class': 'bar-track' }));
      svg.appendChild(s('rect', { x: L, y: yy + 8, width: w.toFixed(1), height: row - 16, rx: 4, fill: color },
        s('title', null, it.label + ': ' + text)));
      svg.appendChild(s('text', { x: L + w + 8, y: yy + row / 2 + 4, 'class': 'bar-value',
        'data-figure': it.figure || null, 'data-value': it.figure && isNum(it.value) ? it.value : null },
        text + (it.note ? '  ' : ''), it.note ? s('tspan', { 'class': 'bar-note' }, it.note) : null));
    });
    return svg;
  }

  function sparkline(values, name, color, isMoney) {
    var W = 104, H = 30, P = 3;
    var vals = (values || []).map(function (v) { return isNum(v) ? v : 0; });
    var svg = s('svg', {
      viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, 'class': 'spark', 'data-figure': name,
      'data-values': vals.join(','), role: 'img'
    });
    if (!vals.length) { return svg; }
    var max = Math.max.apply(null, vals), min = Math.min(0, Math.min.apply(null, vals));
    var span = max - min || 1;
    var x = function (i) { return P + i * (W - 2 * P) / Math.max(1, vals.length - 1); };
    var y = function (v) { return H - P - (H - 2 * P) * (v - min) / span; };
    var pts = vals.map(function (v, i) { return x(i).toFixed(1) + ',' + y(v).toFixed(1); }).join(' ');
    svg.appendChild(s('polyline', { points: pts, stroke: color, 'class': 'spark-line' }));
    svg.appendChild(s('circle', { cx: x(vals.length - 1), cy: y(vals[vals.length - 1]), r: 2.5, fill: color }));
    svg.appendChild(s('title', null, vals.map(function (v) { return isMoney ? fmtMoney(v) : fmtNum(v); }).join(' · ')));
    return svg;
  }

  function card(name, titleKey, body, cls) {
    return h('section', { 'class': 'panel ' + (cls || ''), 'data-figure': name },
      h('h3', { 'class': 'panel-title', text: t(titleKey) }), body);
  }
  function emptyState() { return h('p', { 'class': 'empty', text: t('empty') }); }

  // ---------------------------------------------------------------- KPI cards
  /** kind: int | money | pct | hours */
  function kpi(name, labelKey, raw, kind, sub, tone) {
    var value, unit = '';
    if (kind === 'money') { var m = money(raw); value = m.value; unit = m.unit; }
    else if (kind === 'pct') { value = fmtPct(raw); }
    else if (kind === 'hours') { value = fmtNum(raw, 1); unit = isNum(raw) ? t('unit.hours') : ''; }
    else { value = fmtInt(raw); unit = isNum(raw) && kind ? t(kind) : ''; }
    return h('div', { 'class': 'kpi' + (tone ? ' kpi-' + tone : '') },
      h('div', { 'class': 'kpi-label', text: t(labelKey) }),
      h('div', { 'class': 'kpi-value' }, fig('span', name, raw, value, 'kpi-number'),
        unit ? h('span', { 'class': 'kpi-unit', text: unit }) : null),
      sub ? h('div', { 'class': 'kpi-sub' }, sub) : null);
  }
  function group(key, cards) {
    return h('div', { 'class': 'kpi-group kpi-group-' + key },
      h('div', { 'class': 'kpi-group-title', text: t('section.' + key) }),
      h('div', { 'class': 'kpi-row' }, cards));
  }
  function subFig(name, raw, text, before) {
    return [before ? before + ' ' : null, fig('span', name, raw, text, 'kpi-sub-value')];
  }

  /** The KPI groups of a district overview or of one community (same shape, prefix differs). */
  function kpiGroups(prefix, d) {
    var overdue = d.overdue_cases;
    return h('div', { 'class': 'kpi-grid' },
      group('population', [
        d.communities !== undefined ? kpi(prefix + 'communities', 'kpi.communities', d.communities, 'unit.communities') : null,
        kpi(prefix + 'households', 'kpi.households', d.households, 'unit.households'),
        kpi(prefix + 'residents', 'kpi.residents', d.residents, 'unit.people',
          subFig(prefix + 'floating_population', d.floating_population, fmtInt(d.floating_population), t('kpi.floating')))
      ]),
      group('grid', [
        kpi(prefix + 'open_cases', 'kpi.open_cases', d.open_cases, 'unit.cases',
          subFig(prefix + 'reported_cases', d.reported_cases, fmtInt(d.reported_cases), t('kpi.reported'))),
        kpi(prefix + 'overdue_cases', 'kpi.overdue_cases', overdue, 'unit.cases', t('kpi.overdue_hint'),
          overdue > 0 ? 'alert' : null),
        kpi(prefix + 'mediation_success_rate', 'kpi.mediation_success', d.mediation_success_rate, 'pct',
          d.mediations > 0 ? t('kpi.mediations', { settled: fmtInt(d.mediations_settled), opened: fmtInt(d.mediations) }) : null)
      ]),
      group('economy', [
        kpi(prefix + 'collective_income_ytd', 'kpi.income_ytd', d.income_ytd, 'money',
          isNum(d.net_income_ytd) ? subFig(prefix + 'net_income_ytd', d.net_income_ytd, fmtMoney(d.net_income_ytd), t('kpi.net_income')) : null),
        kpi(prefix + 'debt_outstanding', 'kpi.debt', d.debt, 'money', null, d.debt > 0 ? 'warn' : null),
        kpi(prefix + 'arrears', 'kpi.arrears', d.arrears, 'money',
          subFig(prefix + 'arrears_90_plus', d.arrears_90, fmtMoney(d.arrears_90), t('kpi.arrears_90')),
          d.arrears_90 > 0 ? 'warn' : null)
      ]),
      group('welfare', [
        kpi(prefix + 'beneficiaries', 'kpi.beneficiaries', d.beneficiaries, 'unit.people'),
        kpi(prefix + 'allowance_households', 'kpi.allowance_households', d.allowance_households, 'unit.households',
          isNum(d.allowance_monthly) ? subFig(prefix + 'allowance_monthly', d.allowance_monthly, fmtMoney(d.allowance_monthly), t('kpi.allowance_monthly')) : null)
      ]),
      group('volunteering', [
        kpi(prefix + 'volunteers', 'kpi.volunteers', d.volunteers, 'unit.people',
          isNum(d.active_volunteers) ? subFig(prefix + 'active_volunteers', d.active_volunteers, fmtInt(d.active_volunteers), t('kpi.active_volunteers')) : null),
        kpi(prefix + 'volunteer_hours', 'kpi.volunteer_hours', d.volunteer_hours, 'hours',
          isNum(d.help_fulfilled) ? subFig(prefix + 'help_requests_fulfilled', d.help_fulfilled, fmtInt(d.help_fulfilled), t('kpi.help_fulfilled')) : null)
      ]));
  }

  function overviewFigures(ov) {
    return {
      communities: ov.communities, households: ov.households, residents: ov.residents,
      floating_population: ov.floating_population,
      open_cases: dig(ov, 'grid', 'cases', 'open'), reported_cases: dig(ov, 'grid', 'cases', 'reported'),
      overdue_cases: dig(ov, 'grid', 'cases', 'overdue'),
      mediation_success_rate: dig(ov, 'grid', 'mediation', 'success_rate'),
      mediations: dig(ov, 'grid', 'mediation', 'opened'), mediations_settled: dig(ov, 'grid', 'mediation', 'settled'),
      income_ytd: dig(ov, 'economy', 'income_ytd'), net_income_ytd: dig(ov, 'economy', 'net_income_ytd'),
      debt: dig(ov, 'economy', 'debt_outstanding'),
      arrears: dig(ov, 'economy', 'arrears', 'outstanding'), arrears_90: dig(ov, 'economy', 'arrears', 'aging', '90+'),
      beneficiaries: sumValues(dig(ov, 'welfare', 'beneficiaries')),
      allowance_households: dig(ov, 'welfare', 'allowance_households'),
      allowance_monthly: dig(ov, 'welfare', 'allowance_monthly_fen'),
      volunteers: dig(ov, 'volunteering', 'registered_volunteers'),
      active_volunteers: dig(ov, 'volunteering', 'active_volunteers_90d'),
      volunteer_hours: dig(ov, 'volunteering', 'hours_total'),
      help_fulfilled: dig(ov, 'volunteering', 'help_requests', 'fulfilled')
    };
  }

  function communityFigures(c) {
    var ind = c.indicators || {};
    var dir = c.directory || {};
    return {
      households: isNum(dir.households) ? dir.households : null, residents: isNum(dir.residents) ? dir.residents : null,
      floating_population: isNum(dir.floating_population) ? dir.floating_population : null,
      open_cases: ind.open_cases, reported_cases: dig(c, 'grid', 'cases', 'reported'), overdue_cases: ind.overdue_cases,
      mediation_success_rate: ind.mediation_success_rate, mediations: ind.mediations,
      mediations_settled: dig(c, 'grid', 'mediation', 'settled'),
      income_ytd: ind.collective_income_ytd_fen, net_income_ytd: ind.net_income_ytd_fen, debt: ind.debt_outstanding_fen,
      arrears: ind.arrears_fen, arrears_90: ind.arrears_90_plus_fen,
      beneficiaries: ind.beneficiaries, allowance_households: ind.allowance_households,
      allowance_monthly: ind.allowance_monthly_fen,
      volunteers: ind.volunteers, active_volunteers: ind.active_volunteers, volunteer_hours: ind.volunteer_hours,
      help_fulfilled: ind.help_requests_fulfilled
    };
  }

  // ---------------------------------------------------------------- domain details (district and community)
  /** Formats by kind: int | money | pct | growth | h (hours, bare) | hours | dec1 | dec2 */
  function fmtKind(kind, v) {
    if (!isNum(v)) { return '—'; }
    if (kind === 'money') { return fmtMoney(v); }
    if (kind === 'pct') { return Math.abs(v) > 0 && Math.abs(v) < 0.01 ? (v * 100).toFixed(2) + '%' : fmtPct(v); }
    if (kind === 'growth') { return (v > 0 ? '+' : '') + (v * 100).toFixed(1) + '%'; }
    if (kind === 'h') { return fmtNum(v, 1); }
    if (kind === 'hours') { return fmtNum(v, 1) + ' ' + t('unit.hours'); }
    if (kind === 'dec1') { return fmtNum(v, 1); }
    if (kind === 'dec2') { return fmtNum(v, 2); }
    return fmtInt(v);
  }
  function val(name, raw, kind, cls) { return fig('span', name, raw, fmtKind(kind, raw), cls); }
  function keys(obj) { return obj && typeof obj === 'object' ? Object.keys(obj) : []; }
  function sortedKeys(obj) { return keys(obj).sort(); }

  /** One small figure tile: label, value, optional sub line. */
  function stat(name, labelKey, raw, kind, sub, tone) {
    return h('div', { 'class': 'stat' + (tone ? ' stat-' + tone : '') },
      h('div', { 'class': 'stat-label', text: t(labelKey) }),
      val(name, raw, kind, 'stat-value'),
      sub ? h('div', { 'class': 'stat-sub' }, sub) : null);
  }
  /** A sub line with one figure in it: the template's {v} is replaced by the figure element. */
  function subWith(key, name, raw, kind, vars) {
    var parts = t(key, Object.assign({}, vars || {}, { v: '\u0000' })).split('\u0000');
    return [parts[0], name ? val(name, raw, kind, 'stat-sub-value') : null, parts[1] || ''];
  }
  function stats(items) { return h('div', { 'class': 'stats' }, items); }

  /** A small table: columns [{label, num}], rows of cells (elements or text); first row cells may be th. */
  function miniTable(name, columns, rows, foot) {
    return h('div', { 'class': 'table-scroll' },
      h('table', { 'class': 'mini-table', 'data-figure': name },
        h('thead', null, h('tr', null, columns.map(function (c) {
          return h('th', { scope: 'col', 'class': c.num ? 'num' : null, title: c.title || null, text: c.label });
        }))),
        h('tbody', null, rows.map(function (r) {
          return h('tr', { 'class': r.cls || null, 'data-key': r.key || null }, r.cells.map(function (cell, i) {
            return h('td', { 'class': columns[i].num ? 'num' : null }, cell);
          }));
        })),
        foot ? h('tfoot', null, h('tr', null, foot.map(function (cell, i) {
          return h('td', { 'class': columns[i].num ? 'num' : null }, cell);
        }))) : null));
  }
  function panel(name, titleKey, body, cls) { return card(name, titleKey, body, cls); }

  function contiguousMonths(values, cap) {
    var ks = sortedKeys(values);
    var current = lastMonths(1)[0];
    var end = ks.length && ks[ks.length - 1] > current ? ks[ks.length - 1] : current;
    var months = lastMonths(cap || 12, end);
    return months;
  }

  function gridDetails(p, g, cells) {
    var cases = g.cases || {}, byCat = g.cases_by_category || {}, rh = g.resolve_hours || {};
    var sat = g.satisfaction || {}, med = g.mediation || {}, insp = g.inspections || {}, rent = g.rentals || {},
      fu = g.followups || {};
    var cats = keys(byCat).sort(function (a, b) { return (byCat[b].reported || 0) - (byCat[a].reported || 0); });
    var catRows = cats.map(function (c) {
      var x = byCat[c], r = rh[c] || {};
      return { key: c, cells: [label('cat', c),
        val(p + 'grid.cases_by_category.' + c + '.open', x.open, 'int'),
        val(p + 'grid.cases_by_category.' + c + '.overdue', x.overdue, 'int', x.overdue > 0 ? 'cell-alert' : null),
        val(p + 'grid.cases_by_category.' + c + '.resolved', x.resolved, 'int'),
        val(p + 'grid.resolve_hours.' + c + '.median', r.median, 'h'),
        val(p + 'grid.resolve_hours.' + c + '.p90', r.p90, 'h')] };
    });
    var all = rh.all || {};
    var catFoot = [t('g.all'), val(p + 'grid.cases.open', cases.open, 'int'), val(p + 'grid.cases.overdue', cases.overdue, 'int'),
      val(p + 'grid.cases.resolved', cases.resolved, 'int'), val(p + 'grid.resolve_hours.all.median', all.median, 'h'),
      val(p + 'grid.resolve_hours.all.p90', all.p90, 'h')];
    var byType = med.by_dispute_type || {};
    var medRows = keys(byType).sort(function (a, b) { return (byType[b].opened || 0) - (byType[a].opened || 0); }).map(function (k) {
      var m = byType[k], q = p + 'grid.mediation.by_dispute_type.' + k + '.';
      return { key: k, cells: [label('dispute', k), val(q + 'opened', m.opened, 'int'), val(q + 'settled', m.settled, 'int'),
        val(q + 'failed', m.failed, 'int'), val(q + 'success_rate', m.success_rate, 'pct')] };
    });
    var ratings = sat.by_rating || {};
    var ratingItems = ['5', '4', '3', '2', '1'].map(function (n) {
      return { label: t('g.stars', { n: n }), value: ratings[n] || 0, figure: p + 'grid.satisfaction.by_rating.' + n,
        color: ['#d2463c', '#e06a2a', '#e0962a', '#8fb86a', '#14a38b'][parseInt(n, 10) - 1] };
    });
    var inspByType = insp.by_type || {};
    var inspRows = keys(inspByType).sort().map(function (k) {
      var q = p + 'grid.inspections.by_type.' + k + '.';
      return { key: k, cells: [label('insp', k), val(q + 'inspections', inspByType[k].inspections, 'int'),
        val(q + 'hazards', inspByType[k].hazards, 'int')] };
    });
    var groups = fu.by_group || {};
    var fuRows = keys(groups).sort().map(function (k) {
      var q = p + 'grid.followups.by_group.' + k + '.';
      return { key: k, cells: [label('fgroup', k), val(q + 'active', groups[k].active, 'int'),
        val(q + 'ended', groups[k].ended, 'int'), val(q + 'reoffended', groups[k].reoffended, 'int')] };
    });
    var byMonth = g.cases_by_month || {};
    var reported = {}, resolved = {};
    keys(byMonth).forEach(function (m) { reported[m] = byMonth[m].reported; resolved[m] = byMonth[m].resolved; });
    var months = contiguousMonths(byMonth, 12);
    return [
      h('section', { 'class': 'panel' }, stats([
        stat(p + 'grid.cases.open', 'g.open', cases.open, 'int', t('g.reported') + ' ' + fmtInt(cases.reported)),
        stat(p + 'grid.cases.overdue', 'g.overdue', cases.overdue, 'int', null, cases.overdue > 0 ? 'alert' : null),
        stat(p + 'grid.cases.resolved', 'g.resolved', cases.resolved, 'int'),
        stat(p + 'grid.resolve_hours.all.median', 'g.median_hours', all.median, 'hours'),
        stat(p + 'grid.resolve_hours.all.p90', 'g.p90_hours', all.p90, 'hours'),
        stat(p + 'grid.satisfaction.average', 'g.satisfaction', sat.average, 'dec2',
          subWith('g.ratings', null, null, null, { n: fmtInt(sat.ratings) })),
        stat(p + 'grid.mediation.opened', 'g.mediations', med.opened, 'int'),
        stat(p + 'grid.mediation.success_rate', 'g.mediation_rate', med.success_rate, 'pct'),
        stat(p + 'grid.inspections.total', 'g.inspections', insp.total, 'int'),
        stat(p + 'grid.inspections.hazards', 'g.hazards', insp.hazards, 'int'),
        stat(p + 'grid.rentals.households', 'g.rental_households', rent.households, 'int'),
        stat(p + 'grid.rentals.registration_rate', 'g.registration_rate', rent.registration_rate, 'pct',
          subWith('g.registered_persons', null, null, null, { n: fmtInt(rent.floating_persons) })),
        stat(p + 'grid.followups.active', 'g.followups_active', fu.active, 'int',
          subWith('g.ended', null, null, null, { n: fmtInt(fu.ended) })),
        stat(p + 'grid.followups.reoffending_rate', 'g.reoffending_rate', fu.reoffending_rate, 'pct')
      ])),
      h('div', { 'class': 'grid-2' },
        panel('grid.cases_by_category', 'g.cases_table', catRows.length ? miniTable(p + 'grid.cases_table', [
          { label: t('g.category') }, { label: t('g.open'), num: true }, { label: t('g.overdue'), num: true },
          { label: t('g.resolved'), num: true }, { label: t('g.median_h'), num: true }, { label: t('g.p90_h'), num: true }],
        catRows, catFoot) : emptyState()),
        h('div', { 'class': 'stack' },
          panel('grid.cases_month', 'g.cases_month', keys(byMonth).length ? lineChart([
            { label: t('series.reported'), values: reported, color: COLORS[0], figure: function (m) { return p + 'grid.cases_by_month.' + m + '.reported'; } },
            { label: t('series.resolved'), values: resolved, color: COLORS[1], figure: function (m) { return p + 'grid.cases_by_month.' + m + '.resolved'; } }],
          months, { format: fmtInt, height: 190 }) : emptyState()),
          panel('grid.mediation_by_type', 'g.mediation_table', medRows.length ? miniTable(p + 'grid.mediation_table', [
            { label: t('g.dispute_type') }, { label: t('g.opened'), num: true }, { label: t('g.settled'), num: true },
            { label: t('g.failed'), num: true }, { label: t('g.success_rate'), num: true }], medRows) : emptyState()))),
      h('div', { 'class': 'grid-3' },
        panel('grid.satisfaction', 'g.satisfaction_chart', sat.ratings ? barChart(ratingItems, { format: fmtInt, width: 380, labelWidth: 60, valueWidth: 50 }) : emptyState()),
        panel('grid.inspections_by_type', 'g.inspection_table', inspRows.length ? miniTable(p + 'grid.inspection_table', [
          { label: t('g.inspection_type') }, { label: t('g.inspections'), num: true }, { label: t('g.hazards'), num: true }], inspRows) : emptyState()),
        panel('grid.followups_by_group', 'g.followup_table', fuRows.length ? miniTable(p + 'grid.followup_table', [
          { label: t('g.group') }, { label: t('g.active'), num: true }, { label: t('g.ended_col'), num: true },
          { label: t('g.reoffended'), num: true }], fuRows) : emptyState())),
      cells ? cellsTable(p, cells) : null
    ];
  }

  function cellsTable(p, cells) {
    var ids = keys(cells).sort(function (a, b) {
      return String(cells[a].name || a).localeCompare(String(cells[b].name || b), 'zh-CN', { numeric: true });
    });
    var columns = [
      { label: t('g.cell') }, { label: t('g.households'), num: true }, { label: t('g.workers'), num: true },
      { label: t('g.open'), num: true }, { label: t('g.overdue'), num: true }, { label: t('g.resolved'), num: true },
      { label: t('g.median_h'), num: true }, { label: t('g.p90_h'), num: true }, { label: t('g.satisfaction_short'), num: true },
      { label: t('g.mediation_short'), num: true }, { label: t('g.inspection_short'), num: true },
      { label: t('g.rentals_short'), num: true }, { label: t('g.followups_short'), num: true }];
    var body = [];
    ids.forEach(function (id) {
      var c = cells[id], q = p + 'grid.cells.' + id + '.', cs = c.cases || {}, rh = c.resolve_hours || {},
        md = c.mediation || {};
      var byCat = c.cases_by_category || {};
      var detail = h('tr', { 'class': 'cell-detail', hidden: true, 'data-figure': 'cell-detail', 'data-cell': id },
        h('td', { colspan: columns.length },
          h('div', { 'class': 'cell-cats' }, keys(byCat).sort(function (a, b) { return (byCat[b].reported || 0) - (byCat[a].reported || 0); }).map(function (k) {
            var x = byCat[k], r = q + 'cases_by_category.' + k + '.', hk = (c.resolve_hours_by_category || {})[k];
            return h('span', { 'class': 'cell-cat' }, h('strong', { text: label('cat', k) }),
              t('g.open') + ' ', val(r + 'open', x.open, 'int'), ' · ' + t('g.overdue') + ' ',
              val(r + 'overdue', x.overdue, 'int', x.overdue > 0 ? 'cell-alert' : null), ' · ' + t('g.resolved') + ' ', val(r + 'resolved', x.resolved, 'int'),
              hk ? [' · ' + t('g.median_h') + ' ', val(q + 'resolve_hours_by_category.' + k + '.median', hk.median, 'h')] : null);
          })),
          h('div', { 'class': 'cell-cats' }, keys(c.mediation_by_type || {}).map(function (k) {
            var m = c.mediation_by_type[k], r = q + 'mediation_by_type.' + k + '.';
            return h('span', { 'class': 'cell-cat' }, h('strong', { text: t('g.mediation_short') + ' · ' + label('dispute', k) }),
              ' ', val(r + 'opened', m.opened, 'int'), ' · ', val(r + 'success_rate', m.success_rate, 'pct'));
          }))));
      var toggle = h('button', { type: 'button', 'class': 'expander', 'aria-expanded': 'false', 'data-figure': 'cell-toggle', 'data-cell': id },
        h('span', { 'class': 'caret', 'aria-hidden': 'true', text: '▸' }),
        fig('span', q + 'name', null, c.name || id));
      toggle.addEventListener('click', function () {
        detail.hidden = !detail.hidden;
        toggle.setAttribute('aria-expanded', String(!detail.hidden));
        toggle.firstChild.textContent = detail.hidden ? '▸' : '▾';
      });
      body.push(h('tr', { 'data-figure': 'cell-row', 'data-cell': id },
        h('td', null, toggle),
        h('td', { 'class': 'num' }, val(q + 'households', c.households, 'int')),
        h('td', { 'class': 'num' }, val(q + 'workers', c.workers, 'int')),
        h('td', { 'class': 'num' }, val(q + 'cases.open', cs.open, 'int')),
        h('td', { 'class': 'num' }, val(q + 'cases.overdue', cs.overdue, 'int', cs.overdue > 0 ? 'cell-alert' : null)),
        h('td', { 'class': 'num' }, val(q + 'cases.resolved', cs.resolved, 'int')),
        h('td', { 'class': 'num' }, val(q + 'resolve_hours.median', rh.median, 'h')),
        h('td', { 'class': 'num' }, val(q + 'resolve_hours.p90', rh.p90, 'h')),
        h('td', { 'class': 'num' }, val(q + 'satisfaction.average', dig(c, 'satisfaction', 'average'), 'dec2')),
        h('td', { 'class': 'num' }, val(q + 'mediation.opened', md.opened, 'int'), h('span', { 'class': 'muted' }, ' · '),
          val(q + 'mediation.success_rate', md.success_rate, 'pct')),
        h('td', { 'class': 'num' }, val(q + 'inspections', c.inspections, 'int'), h('span', { 'class': 'muted' }, ' / '),
          val(q + 'hazards', c.hazards, 'int')),
        h('td', { 'class': 'num' }, val(q + 'rental_households', c.rental_households, 'int')),
        h('td', { 'class': 'num' }, val(q + 'followups_active', c.followups_active, 'int'), h('span', { 'class': 'muted' }, ' · '),
          val(q + 'reoffending_rate', c.reoffending_rate, 'pct'))));
      body.push(detail);
    });
    return h('section', { 'class': 'panel', 'data-figure': 'grid.cells' },
      h('div', { 'class': 'panel-head' }, h('h3', { 'class': 'panel-title', text: t('g.cells') }),
        h('span', { 'class': 'muted small', text: t('g.cells_hint') })),
      ids.length ? h('div', { 'class': 'table-scroll' },
        h('table', { 'class': 'mini-table cells-table', 'data-figure': p + 'grid.cells_table' },
          h('thead', null, h('tr', null, columns.map(function (c) { return h('th', { scope: 'col', 'class': c.num ? 'num' : null, text: c.label }); }))),
          h('tbody', null, body))) : emptyState());
  }

  function economyDetails(p, e, growth) {
    var arrears = e.arrears || {}, aging = arrears.aging || {}, occ = e.occupancy || {}, ent = e.enterprises || {},
      comp = e.community_companies || {}, dist = e.distributions || {}, pci = e.per_capita_income_by_year || {};
    var years = sortedKeys(pci);
    var latestYear = years[years.length - 1];
    var sources = e.income_ytd_by_source || {};
    var sourceItems = keys(sources).sort(function (a, b) { return sources[b] - sources[a]; }).map(function (k) {
      return { label: label('source', k), value: sources[k], figure: p + 'economy.income_ytd_by_source.' + k };
    });
    var expenses = e.expenses_ytd_by_category || {};
    var expenseItems = keys(expenses).sort(function (a, b) { return expenses[b] - expenses[a]; }).map(function (k) {
      return { label: label('exp', k), value: expenses[k], figure: p + 'economy.expenses_ytd_by_category.' + k };
    });
    var agingItems = ['current', '30', '60', '90+'].map(function (k, i) {
      return { label: label('aging', k), value: aging[k] || 0, figure: p + 'economy.arrears.aging.' + k,
        color: ['#8aa4c8', '#e0962a', '#e06a2a', '#d2463c'][i] };
    });
    var income = e.income_by_month || {};
    var months = contiguousMonths(income, 12);
    return [
      h('section', { 'class': 'panel' }, stats([
        stat(p + 'economy.income_ytd', 'e.income_ytd', e.income_ytd, 'money'),
        stat(p + 'economy.expenses_ytd', 'e.expenses_ytd', e.expenses_ytd, 'money'),
        stat(p + 'economy.net_income_ytd', 'e.net_income_ytd', e.net_income_ytd, 'money'),
        stat(p + 'income_growth', 'e.income_growth', growth, 'growth', null, growth < 0 ? 'warn' : null),
        stat(p + 'economy.debt_outstanding', 'e.debt', e.debt_outstanding, 'money', null, e.debt_outstanding > 0 ? 'warn' : null),
        stat(p + 'economy.arrears.outstanding', 'e.arrears', arrears.outstanding, 'money',
          subWith('e.arrears_90', p + 'economy.arrears.aging.90+', aging['90+'], 'money'), aging['90+'] > 0 ? 'warn' : null),
        stat(p + 'economy.occupancy.rate', 'e.occupancy', occ.rate, 'pct',
          [val(p + 'economy.occupancy.leased_area_m2', occ.leased_area_m2, 'int', 'stat-sub-value'), ' / ',
            val(p + 'economy.occupancy.total_area_m2', occ.total_area_m2, 'int', 'stat-sub-value'), ' m²']),
        stat(p + 'economy.enterprises.count', 'e.enterprises', ent.count, 'int',
          subWith('e.jobs', p + 'economy.enterprises.jobs_total', ent.jobs_total, 'int', { n: '\u0000' })),
        stat(p + 'economy.community_companies.count', 'e.companies', comp.count, 'int',
          subWith('e.jobs', p + 'economy.community_companies.jobs_total', comp.jobs_total, 'int', { n: '\u0000' })),
        stat(p + 'economy.distributions.owed', 'e.distributions_owed', dist.owed, 'money',
          subWith('e.distributions_paid', p + 'economy.distributions.paid', dist.paid, 'money'), dist.owed > 0 ? 'warn' : null),
        stat(p + 'economy.per_capita_income_latest', 'e.per_capita', latestYear ? pci[latestYear] : null, 'money',
          latestYear ? latestYear : null)
      ])),
      h('div', { 'class': 'grid-2' },
        panel('economy.income_month', 'chart.income_month', keys(income).length ? lineChart([
          { label: t('trend.income'), values: income, color: COLORS[2], figure: function (m) { return p + 'economy.income_by_month.' + m; } }],
        months, { money: true, format: fmtMoney, height: 200 }) : emptyState()),
        panel('economy.income_source', 'chart.income_source', sourceItems.length ? barChart(sourceItems, { format: fmtMoney, color: COLORS[2] }) : emptyState())),
      h('div', { 'class': 'grid-3' },
        panel('economy.arrears_aging', 'chart.arrears_aging', barChart(agingItems, { format: fmtMoney, width: 380, labelWidth: 100, valueWidth: 90 })),
        panel('economy.expenses', 'e.expenses_chart', expenseItems.length ? barChart(expenseItems, { format: fmtMoney, color: COLORS[5], width: 380, labelWidth: 80, valueWidth: 90 }) : emptyState()),
        panel('economy.per_capita', 'e.per_capita_table', years.length ? barChart(years.slice().reverse().map(function (y) {
          return { label: y, value: pci[y], figure: p + 'economy.per_capita_income_by_year.' + y };
        }), { format: fmtMoney, color: COLORS[1], width: 380, labelWidth: 50, valueWidth: 90 }) : emptyState()))
    ];
  }

  function welfareDetails(p, w) {
    var benef = w.beneficiaries || {}, emp = w.assisted_employment || {}, relief = w.relief || {},
      disbursed = w.disbursed || {};
    var total = sumValues(benef);
    var benefItems = keys(benef).sort(function (a, b) { return benef[b] - benef[a]; }).map(function (k) {
      return { label: label('benef', k), value: benef[k], figure: p + 'welfare.beneficiaries.' + k };
    });
    var reliefRows = keys(relief).sort().map(function (k) {
      var q = p + 'welfare.relief.' + k + '.';
      return { key: k, cells: [label('occasion', k), val(q + 'count', relief[k].count, 'int'), val(q + 'value_fen', relief[k].value_fen, 'money')] };
    });
    var reliefTotal = 0;
    keys(relief).forEach(function (k) { reliefTotal += relief[k].value_fen || 0; });
    // Disbursed: programmes x the last 12 months with any disbursement.
    var monthSet = {};
    keys(disbursed).forEach(function (pid) { keys(disbursed[pid]).forEach(function (m) { monthSet[m] = true; }); });
    var dMonths = keys(monthSet).sort().slice(-12);
    var progs = keys(disbursed).sort();
    var disbRows = progs.map(function (pid) {
      return { key: pid, cells: [h('span', { 'class': 'mono', title: pid, text: pid.slice(0, 8) })].concat(dMonths.map(function (m) {
        var x = disbursed[pid][m];
        var amount = x && typeof x === 'object' ? x.total_fen : x;
        return x === undefined ? h('span', { 'class': 'muted', text: '·' })
          : fig('span', p + 'welfare.disbursed.' + pid + '.' + m + '.total_fen', amount, fmtYuan(amount), null);
      })) };
    });
    var cycles = w.cycles_pending_approval;
    return [
      h('section', { 'class': 'panel' }, stats([
        stat(p + 'welfare.beneficiaries_total', 'w.beneficiaries', total, 'int',
          subWith('w.share', p + 'welfare.beneficiary_share_of_residents', w.beneficiary_share_of_residents, 'pct')),
        stat(p + 'welfare.allowance_households', 'w.allowance_households', w.allowance_households, 'int'),
        stat(p + 'welfare.allowance_monthly_fen', 'w.allowance_monthly', w.allowance_monthly_fen, 'money'),
        stat(p + 'welfare.cycles_pending_approval', 'w.cycles_pending', cycles, 'int', null, cycles > 0 ? 'alert' : null),
        stat(p + 'welfare.relief_total', 'w.relief_value', reliefTotal, 'money'),
        stat(p + 'welfare.assisted_employment.placements', 'w.placements', emp.placements, 'int'),
        stat(p + 'welfare.assisted_employment.wages_fen', 'w.wages', emp.wages_fen, 'money',
          t('w.wages_sub', { ins: fmtMoney(emp.insurance_fen), lunch: fmtMoney(emp.lunch_fen) }))
      ])),
      h('div', { 'class': 'grid-2' },
        panel('welfare.beneficiaries', 'chart.beneficiaries', benefItems.length ? barChart(benefItems, { format: fmtInt, color: COLORS[4] }) : emptyState()),
        panel('welfare.relief', 'w.relief_table', reliefRows.length ? miniTable(p + 'welfare.relief_table', [
          { label: t('w.occasion') }, { label: t('w.times'), num: true }, { label: t('w.value'), num: true }], reliefRows) : emptyState())),
      panel('welfare.disbursed', 'w.disbursed_table', progs.length ? h('div', { 'class': 'scroll-box' }, miniTable(p + 'welfare.disbursed_table',
        [{ label: t('w.programme'), title: t('w.programme_hint') }].concat(dMonths.map(function (m) { return { label: monthLabel(m), num: true }; })),
        disbRows)) : emptyState())
    ];
  }
  function fmtYuan(fen) { return isNum(fen) ? (fen / 100).toLocaleString(locale(), { maximumFractionDigits: 2 }) : '—'; }

  function volunteeringDetails(p, v, district) {
    var help = v.help_requests || {}, points = v.points || {};
    var hoursByMonth = v.hours_by_month || {};
    var months = contiguousMonths(hoursByMonth, 12);
    var teams = (v.team_leaderboard || []).slice(0, 10);
    var teamItems = teams.map(function (tm, i) {
      var name = tm.name || label('purpose', tm.purpose);
      return { label: district && tm.community_id ? name + ' · ' + tm.community_id : name, value: tm.hours || 0,
        note: t('chart.members', { n: tm.members || 0 }), figure: p + 'volunteering.team_leaderboard.' + i + '.hours' };
    });
    return [
      h('section', { 'class': 'panel' }, stats([
        stat(p + 'volunteering.registered_volunteers', 'v.registered', v.registered_volunteers, 'int'),
        stat(p + 'volunteering.active_volunteers_90d', 'v.active', v.active_volunteers_90d, 'int'),
        stat(p + 'volunteering.volunteers_per_1000_residents', 'v.per_1000', v.volunteers_per_1000_residents, 'dec1'),
        stat(p + 'volunteering.hours_total', 'v.hours', v.hours_total, 'hours'),
        stat(p + 'volunteering.activities_held', 'v.activities', v.activities_held, 'int'),
        stat(p + 'volunteering.help_requests.received', 'v.help_received', help.received, 'int'),
        stat(p + 'volunteering.help_requests.fulfilled', 'v.help_fulfilled', help.fulfilled, 'int'),
        stat(p + 'volunteering.help_requests.median_hours_to_fulfil', 'v.median_fulfil', help.median_hours_to_fulfil, 'hours'),
        stat(p + 'volunteering.points.awarded', 'v.points_awarded', points.awarded, 'int'),
        stat(p + 'volunteering.points.redeemed', 'v.points_redeemed', points.redeemed, 'int')
      ])),
      h('div', { 'class': 'grid-2' },
        panel('volunteering.hours_month', 'v.hours_chart', keys(hoursByMonth).length ? lineChart([
          { label: t('trend.hours'), values: hoursByMonth, color: COLORS[3], figure: function (m) { return p + 'volunteering.hours_by_month.' + m; } }],
        months, { format: function (x) { return fmtKind('hours', x); }, height: 200 }) : emptyState()),
        panel('chart.teams', 'v.teams', teamItems.length ? barChart(teamItems, { format: function (x) { return fmtKind('hours', x); }, color: COLORS[3], labelWidth: district ? 230 : 170 }) : emptyState()))
    ];
  }

  var DOMAINS = ['grid', 'economy', 'welfare', 'volunteering'];
  var activeDomain = 'grid';
  /** Tabs, one pane per domain (all rendered, one shown). d: {grid, economy, welfare, volunteering, income_growth}. */
  function domainTabs(scope, d, opts) {
    var p = scope + '.';
    var panes = {
      grid: d.grid ? gridDetails(p, d.grid, opts.cells ? (d.grid.cells || {}) : null) : [emptyState()],
      economy: d.economy ? economyDetails(p, d.economy, d.income_growth) : [emptyState()],
      welfare: d.welfare ? welfareDetails(p, d.welfare) : [emptyState()],
      volunteering: d.volunteering ? volunteeringDetails(p, d.volunteering, opts.district) : [emptyState()]
    };
    var paneEls = {}, tabEls = {};
    DOMAINS.forEach(function (k) {
      paneEls[k] = h('div', { 'class': 'domain-pane', role: 'tabpanel', 'data-figure': 'domain.' + k, hidden: k !== activeDomain }, panes[k]);
    });
    var select = function (k) {
      activeDomain = k;
      DOMAINS.forEach(function (x) {
        paneEls[x].hidden = x !== k;
        tabEls[x].classList.toggle('active', x === k);
        tabEls[x].setAttribute('aria-selected', String(x === k));
      });
    };
    var bar = h('div', { 'class': 'tabs', role: 'tablist' }, DOMAINS.map(function (k) {
      tabEls[k] = h('button', { type: 'button', role: 'tab', 'class': 'tab tab-' + k + (k === activeDomain ? ' active' : ''),
        'aria-selected': String(k === activeDomain), 'data-figure': 'tab.' + k, text: t('section.' + k),
        on: { click: function () { select(k); } } });
      return tabEls[k];
    }));
    return h('section', { 'class': 'domains', 'data-figure': 'domains', 'data-scope': scope },
      h('h2', { 'class': 'section-title', text: t(opts.district ? 'section.details_district' : 'section.details_community') }),
      bar, DOMAINS.map(function (k) { return paneEls[k]; }));
  }

  // ---------------------------------------------------------------- rankings
  var RANKINGS = [
    ['collective_income_growth', 'growth'], ['arrears_fen', 'money'], ['overdue_cases', 'int'],
    ['mediation_success_rate', 'pct'], ['volunteers_per_1000_residents', 'dec1'], ['collective_income_ytd_fen', 'money'],
    ['per_capita_income_fen', 'money'], ['median_resolve_hours', 'h'], ['satisfaction', 'dec2'],
    ['registration_rate', 'pct'], ['occupancy_rate', 'pct'], ['beneficiary_share_of_residents', 'pct'],
    ['active_volunteers', 'int'], ['help_requests_fulfilled', 'int']
  ];
  var ranking = { indicator: 'collective_income_growth', descending: true, limit: 10 };
  function rankKind(indicator) {
    for (var i = 0; i < RANKINGS.length; i++) { if (RANKINGS[i][0] === indicator) { return RANKINGS[i][1]; } }
    return 'int';
  }
  function renderRankings(seq) {
    var host = h('div', { 'class': 'rank-host' });
    var indicator = h('select', { 'class': 'select', id: 'ranking-indicator', 'data-figure': 'rankings-indicator', 'aria-label': t('rank.indicator') },
      RANKINGS.map(function (r) { return h('option', { value: r[0], selected: r[0] === ranking.indicator, text: t('ind.' + r[0]) }); }));
    var order = h('select', { 'class': 'select', 'data-figure': 'rankings-order', 'aria-label': t('rank.order_desc') },
      h('option', { value: 'true', selected: ranking.descending, text: t('rank.order_desc') }),
      h('option', { value: 'false', selected: !ranking.descending, text: t('rank.order_asc') }));
    var panelEl = h('section', { 'class': 'panel panel-rankings', 'data-figure': 'rankings' },
      h('div', { 'class': 'panel-head' }, h('h3', { 'class': 'panel-title', text: t('section.rankings') }),
        h('div', { 'class': 'table-tools' }, indicator, order)),
      host);
    var load = function () {
      ranking.indicator = indicator.value;
      ranking.descending = order.value === 'true';
      panelEl.removeAttribute('data-loaded');
      host.classList.add('is-loading');
      var asked = { indicator: ranking.indicator, descending: ranking.descending, limit: ranking.limit };
      return api('rankings?' + query(asked)).then(function (data) {
        if (seq !== renderSeq || asked.indicator !== ranking.indicator || asked.descending !== ranking.descending) { return; }
        host.classList.remove('is-loading');
        clear(host).appendChild(rankList(data, rankKind(asked.indicator)));
        panelEl.setAttribute('data-indicator', asked.indicator);
        panelEl.setAttribute('data-descending', String(asked.descending));
        panelEl.setAttribute('data-loaded', 'true');
      }).catch(showError);
    };
    indicator.addEventListener('change', load);
    order.addEventListener('change', load);
    return { el: panelEl, load: load };
  }
  function rankList(data, kind) {
    var rows = data.ranking || [];
    if (!rows.length) { return h('p', { 'class': 'empty', text: t('rank.none') }); }
    var max = 0;
    rows.forEach(function (r) { max = Math.max(max, Math.abs(r.value || 0)); });
    return h('ol', { 'class': 'rank-list' }, rows.map(function (r) {
      var width = max > 0 && r.value ? Math.max(2, Math.abs(r.value) / max * 100) : 0;
      var fill = h('span', { 'class': 'rank-fill' + (r.value < 0 ? ' rank-neg' : '') });
      fill.style.width = width.toFixed(1) + '%';  // CSSOM, allowed by the CSP (no inline style attribute)
      return h('li', { 'class': 'rank-row', 'data-figure': 'ranking.row', 'data-rank': r.rank, 'data-community': r.community_id,
        'data-value': isNum(r.value) ? r.value : '' },
        h('span', { 'class': 'rank-no' + (r.rank <= 3 ? ' rank-top' : ''), text: String(r.rank) }),
        h('a', { 'class': 'rank-name', href: '#/community/' + encodeURIComponent(r.community_id), text: r.name || r.community_id }),
        h('span', { 'class': 'rank-bar' }, fill),
        h('span', { 'class': 'rank-value', text: fmtKind(kind, r.value) }));
    }));
  }

  // ---------------------------------------------------------------- freshness
  var lastFreshness = null;
  function renderFreshness(fresh) {
    lastFreshness = fresh || lastFreshness;
    var el = clear(document.querySelector('[data-figure="freshness"]'));
    if (!lastFreshness) { return; }
    var lag = lastFreshness.projector_lag_events;
    el.setAttribute('data-as-of', lastFreshness.as_of || '');
    el.setAttribute('data-lag', isNum(lag) ? lag : '');
    appendKids(el, [
      h('span', { 'class': 'status-dot ' + (lag > 0 ? 'status-lag' : 'status-ok'), 'aria-hidden': 'true' }),
      t('fresh.as_of') + ' ',
      h('strong', { 'data-figure': 'freshness.as_of', text: lastFreshness.as_of ? fmtTime(lastFreshness.as_of) : t('fresh.none') }),
      h('span', { 'class': 'sep', text: '·' }),
      t('fresh.lag') + ' ',
      fig('strong', 'freshness.projector_lag_events', lag, fmtInt(lag)),
      ' ' + t('fresh.events'),
      h('span', { 'class': 'sep', text: '·' }),
      t('fresh.served') + ' ' + fmtTime(lastFreshness.served_at),
      h('button', { type: 'button', 'class': 'link-btn', text: t('action.refresh'), on: { click: route } })
    ]);
  }

  // ---------------------------------------------------------------- overview page
  var table = { sort: 'name', descending: false, search: '', offset: 0, limit: 20 };

  var COLUMNS = [
    { key: 'name', label: 'table.name', sort: 'name', kind: 'name' },
    { key: 'residents', label: 'table.residents', sort: 'residents', kind: 'int' },
    { key: 'open_cases', label: 'table.open_cases', sort: 'open_cases', kind: 'int' },
    { key: 'overdue_cases', label: 'table.overdue_cases', sort: 'overdue_cases', kind: 'int', alert: true },
    { key: 'trend_cases_reported', label: 'table.trend_cases', kind: 'spark', color: COLORS[0] },
    { key: 'collective_income_ytd_fen', label: 'table.income', sort: 'collective_income_ytd_fen', kind: 'money' },
    { key: 'trend_collective_income_fen', label: 'table.trend_income', kind: 'spark', color: COLORS[1], money: true },
    { key: 'arrears_fen', label: 'table.arrears', sort: 'arrears_fen', kind: 'money' },
    { key: 'beneficiaries', label: 'table.beneficiaries', sort: 'beneficiaries', kind: 'int' },
    { key: 'volunteers', label: 'table.volunteers', sort: 'volunteers', kind: 'int' }
  ];

  function renderOverview(main, seq) {
    return Promise.all([api('overview'), api('alerts')])
      .then(function (res) {
        if (seq !== renderSeq) { return; }
        var ov = res[0];
        renderFreshness(ov.freshness);
        var tableHost = h('div', { 'class': 'table-host' });
        var rankings = renderRankings(seq);
        clear(main);
        appendKids(main, [
          h('div', { 'class': 'page-head' },
            h('h1', { 'class': 'page-title', text: t('overview.title') }),
            h('p', { 'class': 'page-sub muted', text: t('overview.sub', { n: fmtInt(ov.communities) }) })),
          h('section', { 'data-figure': 'overview' }, kpiGroups('overview.', overviewFigures(ov))),
          h('div', { 'class': 'grid-2 grid-top' }, renderAlerts(res[1]), rankings.el),
          domainTabs('district', { grid: ov.grid, economy: ov.economy, welfare: ov.welfare, volunteering: ov.volunteering,
            income_growth: dig(ov, 'economy', 'income_growth') }, { district: true }),
          h('section', { 'class': 'panel', 'data-figure': 'communities' },
            h('div', { 'class': 'panel-head' },
              h('h3', { 'class': 'panel-title', text: t('section.communities') }),
              h('div', { 'class': 'table-tools' },
                h('input', {
                  type: 'search', 'class': 'search', id: 'community-search', 'data-figure': 'communities-search',
                  placeholder: t('table.search'), value: table.search, 'aria-label': t('table.search'),
                  on: { input: onSearch }
                }))),
            tableHost)
        ]);
        return Promise.all([loadTable(tableHost, seq), rankings.load()]);
      });
  }

  var searchTimer = null;
  function onSearch(ev) {
    var value = ev.target.value.trim();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      table.search = value;
      table.offset = 0;
      loadTable(document.querySelector('.table-host'), renderSeq);
    }, 250);
  }

  function loadTable(host, seq) {
    if (!host) { return Promise.resolve(); }
    host.classList.add('is-loading');
    var params = { sort: table.sort, descending: table.descending, offset: table.offset, limit: table.limit, search: table.search };
    return api('communities?' + query(params)).then(function (data) {
      if (seq !== renderSeq) { return; }
      host.classList.remove('is-loading');
      clear(host);
      host.appendChild(renderTable(data));
    }).catch(function (err) { showError(err); });
  }

  function renderTable(data) {
    var head = h('tr', null, COLUMNS.map(function (col) {
      var active = col.sort && col.sort === data.sort;
      var arrow = active ? (data.descending ? '▼' : '▲') : '';
      var th = h('th', {
        scope: 'col', 'class': (col.kind === 'name' ? 'col-name' : 'num') + (col.sort ? ' sortable' : '') + (active ? ' sorted' : ''),
        'data-sort': col.sort || null, 'aria-sort': active ? (data.descending ? 'descending' : 'ascending') : null,
        title: col.sort ? t('table.sort_hint') : null
      }, t(col.label), arrow ? h('span', { 'class': 'arrow', text: arrow }) : null);
      if (col.sort) {
        th.tabIndex = 0;
        var sortBy = function () {
          if (table.sort === col.sort) { table.descending = !table.descending; }
          else { table.sort = col.sort; table.descending = col.kind !== 'name'; }
          table.offset = 0;
          loadTable(document.querySelector('.table-host'), renderSeq);
        };
        th.addEventListener('click', sortBy);
        th.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); sortBy(); } });
      }
      return th;
    }));
    var rows = data.rows.map(function (row) {
      var open = function () { location.hash = '#/community/' + encodeURIComponent(row.community_id); };
      var tr = h('tr', {
        'class': 'row-link', 'data-figure': 'community-row', 'data-community': row.community_id, tabindex: 0,
        on: { click: open, keydown: function (ev) { if (ev.key === 'Enter') { open(); } } }
      }, COLUMNS.map(function (col) {
        var v = row[col.key];
        if (col.kind === 'name') {
          return h('td', { 'class': 'col-name' },
            h('a', { href: '#/community/' + encodeURIComponent(row.community_id), 'data-figure': 'cell.name', text: row.name || row.community_id }),
            h('div', { 'class': 'muted small', text: [row.district, row.community_id].filter(Boolean).join(' · ') }));
        }
        if (col.kind === 'spark') { return h('td', { 'class': 'spark-cell' }, sparkline(v, 'sparkline.' + col.key, col.color, col.money)); }
        var text = col.kind === 'money' ? fmtMoney(v) : fmtInt(v);
        return h('td', { 'class': 'num' + (col.alert && v > 0 ? ' cell-alert' : '') }, fig('span', 'cell.' + col.key, v, text));
      }));
      return tr;
    });
    if (!rows.length) {
      rows = [h('tr', null, h('td', { colspan: COLUMNS.length, 'class': 'empty', text: t('table.none') }))];
    }
    var from = data.total ? data.offset + 1 : 0;
    var to = Math.min(data.offset + data.limit, data.total);
    var pager = h('div', { 'class': 'pager' },
      h('span', { 'class': 'muted', 'data-figure': 'communities-total', 'data-value': data.total,
        text: t('table.range', { from: fmtInt(from), to: fmtInt(to), total: fmtInt(data.total) }) }),
      h('span', { 'class': 'pager-buttons' },
        h('button', { type: 'button', 'class': 'btn', 'data-figure': 'page-prev', disabled: data.offset <= 0,
          text: t('table.prev'), on: { click: function () { table.offset = Math.max(0, table.offset - table.limit); loadTable(document.querySelector('.table-host'), renderSeq); } } }),
        h('button', { type: 'button', 'class': 'btn', 'data-figure': 'page-next', disabled: to >= data.total,
          text: t('table.next'), on: { click: function () { table.offset += table.limit; loadTable(document.querySelector('.table-host'), renderSeq); } } })));
    return h('div', null,
      h('div', { 'class': 'table-scroll' },
        h('table', { 'class': 'data-table', 'data-figure': 'communities-table', 'data-sort': data.sort, 'data-descending': String(data.descending) },
          h('thead', null, head), h('tbody', null, rows))),
      pager);
  }

  function alertText(a) {
    var value = a.kind === 'arrears_growth' ? fmtMoney(a.value) : fmtInt(a.value);
    var threshold = a.kind === 'arrears_growth' ? fmtMoney(a.threshold) : fmtInt(a.threshold);
    return { text: t('alert.' + a.kind, { value: value }), threshold: threshold };
  }
  function renderAlerts(data) {
    var alerts = (data && data.alerts) || [];
    var body;
    if (!alerts.length) {
      body = h('p', { 'class': 'alerts-none' }, h('span', { 'class': 'ok-mark', 'aria-hidden': 'true', text: '✓' }), t('alerts.none'));
    } else {
      var SHOWN = 5;
      body = h('ul', { 'class': 'alerts' }, alerts.map(function (a, i) {
        var txt = alertText(a);
        var who = a.community_id
          ? h('a', { href: '#/community/' + encodeURIComponent(a.community_id), 'class': 'alert-who', text: a.name || a.community_id })
          : h('span', { 'class': 'alert-who', text: t('alert.system') });
        return h('li', { 'class': 'alert alert-' + a.kind + (i >= SHOWN ? ' alert-extra' : ''), 'data-figure': 'alert', 'data-kind': a.kind,
          'data-community': a.community_id || '', 'data-value': a.value },
          h('span', { 'class': 'alert-icon', 'aria-hidden': 'true', text: '!' }), who,
          h('span', { 'class': 'alert-text', text: txt.text }),
          h('span', { 'class': 'alert-threshold muted', text: t('alerts.threshold') + ' ' + txt.threshold }));
      }));
    }
    var panel = h('section', { 'class': 'panel panel-alerts collapsed', 'data-figure': 'alerts', 'data-count': alerts.length },
      h('div', { 'class': 'panel-head' },
        h('h3', { 'class': 'panel-title' }, t('section.alerts'),
          h('span', { 'class': 'badge' + (alerts.length ? ' badge-alert' : ''), text: String(alerts.length) }))),
      body);
    if (alerts.length > 5) {
      var toggle = h('button', { type: 'button', 'class': 'link-btn alerts-toggle', 'data-figure': 'alerts-toggle',
        text: t('alerts.more', { n: alerts.length }) });
      toggle.addEventListener('click', function () {
        var collapsed = panel.classList.toggle('collapsed');
        toggle.textContent = collapsed ? t('alerts.more', { n: alerts.length }) : t('alerts.less');
      });
      panel.appendChild(toggle);
    }
    return panel;
  }

  // ---------------------------------------------------------------- community page
  function renderCommunity(main, seq, id) {
    return api('communities/' + encodeURIComponent(id)).then(function (c) {
      if (seq !== renderSeq) { return; }
      renderFreshness(c.freshness);
      var dir = c.directory || {};
      clear(main);
      appendKids(main, [
        h('a', { href: '#/', 'class': 'back-link', 'data-figure': 'back', text: t('action.back') }),
        h('div', { 'class': 'page-head', 'data-figure': 'community', 'data-community': c.community_id },
          h('h1', { 'class': 'page-title', 'data-figure': 'community.name', text: c.name || c.community_id }),
          h('p', { 'class': 'page-sub muted', text: [dir.district, c.community_id].filter(Boolean).join(' · ') })),
        kpiGroups('community.', communityFigures(c)),
        domainTabs('community', { grid: c.grid, economy: c.economy, welfare: c.welfare, volunteering: c.volunteering,
          income_growth: c.income_growth }, { cells: true })
      ]);
      window.scrollTo(0, 0);
    }).catch(function (err) {
      if (err instanceof HttpError && err.status === 404 && seq === renderSeq) {
        clear(main);
        appendKids(main, [
          h('a', { href: '#/', 'class': 'back-link', 'data-figure': 'back', text: t('action.back') }),
          h('section', { 'class': 'panel', 'data-figure': 'community-missing' },
            h('h1', { 'class': 'page-title', text: id }), h('p', { 'class': 'empty', text: t('community.not_found') }))
        ]);
        return;
      }
      throw err;
    });
  }

  // ---------------------------------------------------------------- shell
  var renderSeq = 0;

  function applyStaticText() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('app.name');
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
    var sw = document.getElementById('lang-switch');
    sw.textContent = t('lang.other');
    sw.setAttribute('data-lang', lang);
    sw.setAttribute('aria-label', lang === 'zh' ? 'Switch to English' : '切换到中文');
    document.getElementById('logout').hidden = !token();
    document.getElementById('token-input').placeholder = 'eyJhbGciOi…';
  }

  function showLogin(message) {
    var box = document.getElementById('login');
    box.hidden = false;
    var err = document.getElementById('login-error');
    err.hidden = !message;
    err.textContent = message || '';
    clear(document.getElementById('main'));
    clear(document.querySelector('[data-figure="freshness"]'));
    setTimeout(function () { document.getElementById('token-input').focus(); }, 0);
  }

  function showError(err) {
    if (err instanceof AuthError) {
      storageSet(sessionStorage, TOKEN_KEY, null);
      applyStaticText();
      showLogin(t('login.invalid'));
      return;
    }
    var main = clear(document.getElementById('main'));
    main.appendChild(h('section', { 'class': 'panel panel-error', 'data-figure': 'error' },
      h('h3', { 'class': 'panel-title', text: t('error.generic') }),
      h('p', { 'class': 'muted', text: (err && (err.detail || err.message)) || String(err) }),
      h('button', { type: 'button', 'class': 'btn btn-primary', text: t('error.retry'), on: { click: route } })));
  }

  function takeTokenFromHash() {
    var m = /^#token=([^&]+)/.exec(location.hash);
    if (!m) { return false; }
    storageSet(sessionStorage, TOKEN_KEY, decodeURIComponent(m[1]));
    // Drop the token from the address bar and history.
    history.replaceState(null, '', location.pathname + location.search + '#/');
    return true;
  }

  function route() {
    takeTokenFromHash();
    applyStaticText();
    if (!token()) { showLogin(); return; }
    document.getElementById('login').hidden = true;
    var main = document.getElementById('main');
    var seq = ++renderSeq;
    var m = /^#\/community\/(.+)$/.exec(location.hash);
    main.setAttribute('data-view', m ? 'community' : 'overview');
    if (!main.firstChild || main.querySelector('[data-figure="error"]')) {
      main.appendChild(h('p', { 'class': 'loading', text: t('loading') }));
    } else {
      main.classList.add('is-loading');
    }
    var done = function () { if (seq === renderSeq) { main.classList.remove('is-loading'); main.setAttribute('data-ready', String(seq)); } };
    var page = m ? renderCommunity(main, seq, decodeURIComponent(m[1])) : renderOverview(main, seq);
    page.then(done, function (err) { if (seq === renderSeq) { main.classList.remove('is-loading'); showError(err); } });
  }

  function downloadCsv(ev) {
    ev.preventDefault();
    if (!token()) { showLogin(); return; }
    request('communities.csv?' + query({ sort: table.sort, descending: table.descending }))
      .then(function (r) { return r.blob(); })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var a = h('a', { href: url, download: 'communities.csv' });
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      })
      .catch(showError);
  }

  document.getElementById('lang-switch').addEventListener('click', function () {
    lang = lang === 'zh' ? 'en' : 'zh';
    storageSet(localStorage, LANG_KEY, lang);
    route();
  });
  document.getElementById('logout').addEventListener('click', function () {
    storageSet(sessionStorage, TOKEN_KEY, null);
    location.hash = '#/';
    applyStaticText();
    showLogin();
  });
  document.getElementById('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var value = document.getElementById('token-input').value.trim().replace(/^Bearer\s+/i, '');
    if (!value) { return; }
    storageSet(sessionStorage, TOKEN_KEY, value);
    document.getElementById('token-input').value = '';
    route();
  });
  document.querySelector('[data-figure="csv-export"]').addEventListener('click', downloadCsv);
  window.addEventListener('hashchange', route);
  route();
})();
