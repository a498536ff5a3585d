// The officials' workspace: one page that signs in against the API and draws
// the statistics routes for the caller's scope. Every figure comes from an
// API answer as integer cents and is formatted here, never recomputed: each
// figure's element carries its source (data-fig) and its cents (data-v), so a
// test can check the screen against the API.
'use strict';

(function () {
  const TOKEN_KEY = 'shanhai.token';
  const view = document.getElementById('view');
  const state = { token: sessionStorage.getItem(TOKEN_KEY), me: null, charts: [] };

  const PROGRAMMES = { east_west: '东西部协作', mountain_sea: '山海协作' };
  const LEVELS = { province: '省', city: '市', county: '县' };
  const FILING = { draft: '草稿', submitted: '已报送', approved: '已审核', returned: '已退回' };
  const TABLES = {
    origin: '按产地（县）', category: '按品类', supplier: '按生产者（供应商）',
    channel: '按渠道', platform: '按平台', point_type: '按五专类型', sector: '按五进领域',
  };

  // ---------------------------------------------------------------- formatting

  function group(n) { // 1234567 -> "1,234,567"
    const s = String(n);
    let out = '';
    for (let i = 0; i < s.length; i++) {
      if (i > 0 && (s.length - i) % 3 === 0) out += ',';
      out += s[i];
    }
    return out;
  }

  // money formats integer cents: below 1 万元 in 元 with fen, else in 万元
  // rounded half up to two places. Integer arithmetic only.
  function money(cents) {
    const neg = cents < 0;
    const c = Math.abs(cents);
    let s;
    if (c >= 1000000) {
      const h = Math.floor((c + 5000) / 10000); // hundredths of 万元
      s = group(Math.floor(h / 100)) + '.' + String(h % 100).padStart(2, '0') + ' 万元';
    } else {
      s = group(Math.floor(c / 100)) + '.' + String(c % 100).padStart(2, '0') + ' 元';
    }
    return (neg ? '-' : '') + s;
  }

  function percent(f) { return f === null || f === undefined ? '—' : (f * 100).toFixed(2) + '%'; }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const k of kids.flat()) {
      if (k === null || k === undefined) continue;
      e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return e;
  }

  // fig is one figure: its text from cents, its source and value attached.
  function fig(key, cents, tag) {
    return el(tag || 'td', { class: 'num', 'data-fig': key, 'data-v': String(cents), text: money(cents) });
  }

  function pct(key, f, tag) {
    return el(tag || 'td', { class: 'num', 'data-pct': key, 'data-v': f === null ? '' : String(f), text: percent(f) });
  }

  function meter(f) {
    const w = f === null ? 0 : Math.max(0, Math.min(1, f)) * 100;
    const i = el('i');
    i.style.width = w + '%';
    return el('td', { class: 'barcell' }, el('div', { class: 'meter', role: 'img', 'aria-label': percent(f) }, i));
  }

  function table(head, rows) {
    const nums = head.map((h) => h.endsWith('#'));
    return el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { class: nums[i] ? 'num' : null, text: h.replace(/#$/, '') })))),
      el('tbody', {}, rows)));
  }

  function card(title, ...kids) { return el('section', { class: 'card' }, el('h2', { text: title }), kids); }

  function chartBox(id) { return el('div', { class: 'chart', id: id, 'data-chart': id }); }

  function draw(id, option) {
    const box = document.getElementById(id);
    if (!box || typeof echarts === 'undefined') return;
    const chart = echarts.init(box, null, { renderer: 'canvas' });
    chart.setOption(Object.assign({ animation: false, grid: { left: 60, right: 20, top: 30, bottom: 40 } }, option));
    state.charts.push(chart);
  }

  window.addEventListener('resize', () => state.charts.forEach((c) => c.resize()));

  // ---------------------------------------------------------------- API

  async function api(path) {
    const res = await fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + state.token } });
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) {
      signOut();
      throw Object.assign(new Error('请重新登录'), { status: 401 });
    }
    if (!res.ok) {
      const msg = body.error && body.error.message ? body.error.message : res.statusText;
      throw Object.assign(new Error(msg), { status: res.status });
    }
    return body;
  }

  function period() {
    const y = document.getElementById('year').value;
    const m = document.getElementById('month').value;
    return 'year=' + y + (m ? '&month=' + m : '');
  }

  function programmeParam() {
    const p = document.getElementById('programme').value;
    return p ? '&programme=' + p : '';
  }

  // ---------------------------------------------------------------- sign-in

  async function signIn(ev) {
    ev.preventDefault();
    const f = ev.target;
    const err = document.getElementById('login-error');
    err.textContent = '';
    const res = await fetch('/api/v1/auth/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: f.username.value, password: f.password.value }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      err.textContent = res.status === 401 ? '用户名或密码错误' : (body.error && body.error.message) || '登录失败';
      return;
    }
    if (!['admin', 'officer', 'org_admin'].includes(body.user.role)) {
      err.textContent = '工作台仅供考核官员、管理员和单位管理员使用';
      return;
    }
    state.token = body.token;
    sessionStorage.setItem(TOKEN_KEY, body.token);
    f.reset();
    start();
  }

  function signOut() {
    state.token = null;
    state.me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    document.getElementById('app').hidden = true;
    document.getElementById('logout').hidden = true;
    document.getElementById('who').textContent = '';
    document.getElementById('login').hidden = false;
  }

  // ---------------------------------------------------------------- views

  // Top pairings are those no other pairing of the list contains: a county
  // pairing inside a city pairing is already part of the city's credited
  // total, so a programme's figures are the sums over its top pairings.
  const PREFIX = { province: 2, city: 4, county: 6 };
  function contains(outer, inner) {
    if (outer.pairing.programme !== inner.pairing.programme || outer.pairing.id === inner.pairing.id) return false;
    const n = PREFIX[outer.pairing.level];
    if (n >= PREFIX[inner.pairing.level]) return false;
    return inner.pairing.helper.code.slice(0, n) === outer.pairing.helper.code.slice(0, n) &&
      inner.pairing.partner.code.slice(0, n) === outer.pairing.partner.code.slice(0, n);
  }
  function topPairings(items) { return items.filter((p) => !items.some((o) => contains(o, p))); }

  function pairingName(p) {
    return p.helper.name + ' — ' + p.partner.name + '（' + (LEVELS[p.level] || p.level) + '级）';
  }

  async function overview() {
    const year = document.getElementById('year').value;
    const data = await api('/stats/pairings?year=' + year);
    const out = [];
    const kpis = el('div', { class: 'grid' });
    out.push(kpis);
    for (const prog of Object.keys(PROGRAMMES)) {
      const top = topPairings(data.items.filter((p) => p.pairing.programme === prog));
      if (top.length === 0) continue;
      const credited = top.reduce((s, p) => s + p.credited_cents, 0);
      const withTarget = top.filter((p) => p.target_cents !== null);
      const target = withTarget.reduce((s, p) => s + p.target_cents, 0);
      const completion = withTarget.length === top.length && target > 0 ? credited / target : null;
      kpis.append(el('section', { class: 'card kpi' },
        el('h2', { text: PROGRAMMES[prog] + ' · ' + year + ' 年累计认定' }),
        fig('programme.' + prog + '.credited_cents', credited, 'div'),
        el('div', { class: 'sub' }, '目标 ', fig('programme.' + prog + '.target_cents', target, 'span'),
          ' · 完成率 ', pct('programme.' + prog + '.completion', completion === null ? null : Math.round(completion * 10000) / 10000, 'span'))));
      kpis.lastChild.querySelector('div[data-fig]').classList.add('big');
      // The monthly trend: Σ over the top pairings of each month's credit.
      const monthly = await Promise.all(top.map((p) => api('/stats/pairings/' + p.pairing.id + '/monthly?year=' + year)));
      const months = monthly[0].months.map((m, i) => monthly.reduce((s, r) => s + r.months[i].credited_cents, 0));
      const id = 'trend-' + prog;
      out.push(card(PROGRAMMES[prog] + ' · 月度认定金额', chartBox(id),
        table(['月份', '认定金额#'], months.map((c, i) => el('tr', {}, el('td', { text: (i + 1) + ' 月' }), fig('trend.' + prog + '.' + (i + 1), c))))));
      out.push(() => draw(id, {
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: months.map((_, i) => (i + 1) + '月') },
        yAxis: { type: 'value', name: '万元' },
        series: [{ type: 'bar', name: '认定金额（万元）', data: months.map((c) => c / 1000000), itemStyle: { color: '#12a15f' } }],
      }));
    }
    if (kpis.childElementCount === 0) out.push(card('概览', el('p', { class: 'muted', text: '没有可显示的结对。' })));
    return out;
  }

  async function pairings() {
    const data = await api('/stats/pairings?' + period() + programmeParam());
    const rows = data.items.map((p) => el('tr', {},
      el('td', { text: PROGRAMMES[p.pairing.programme] || p.pairing.programme }),
      el('td', { text: pairingName(p.pairing) }),
      p.target_cents === null ? el('td', { class: 'num muted', text: '—' }) : fig('pairing.' + p.pairing.id + '.target_cents', p.target_cents),
      fig('pairing.' + p.pairing.id + '.credited_cents', p.credited_cents),
      fig('pairing.' + p.pairing.id + '.online_cents', p.online_cents),
      fig('pairing.' + p.pairing.id + '.offline_cents', p.offline_cents),
      pct('pairing.' + p.pairing.id + '.completion', p.completion === undefined ? null : p.completion),
      meter(p.completion === undefined ? null : p.completion),
      el('td', { class: 'num', text: String(p.orders) }),
      el('td', { class: 'num', text: String(p.records) })));
    return [card('结对认定情况', table(['协作', '结对', '目标#', '认定#', '平台内#', '平台外#', '完成率#', '进度', '订单#', '台账#'], rows))];
  }

  async function regions() {
    const out = [];
    const progs = document.getElementById('programme').value ? [document.getElementById('programme').value] : Object.keys(PROGRAMMES);
    for (const prog of progs) {
      const data = await api('/stats/regions?' + period() + '&programme=' + prog);
      const id = 'regions-' + prog;
      out.push(card(PROGRAMMES[prog] + ' · 区县排名', chartBox(id), table(['名次#', '区县', '目标#', '认定#', '直接采购#', '帮助销售#', '完成率#'],
        data.items.map((r) => el('tr', {},
          el('td', { class: 'num', text: String(r.rank) }),
          el('td', { text: r.region.name }),
          r.target_cents === null ? el('td', { class: 'num muted', text: '—' }) : fig('region.' + prog + '.' + r.region.code + '.target_cents', r.target_cents),
          fig('region.' + prog + '.' + r.region.code + '.credited_cents', r.credited_cents),
          fig('region.' + prog + '.' + r.region.code + '.direct_cents', r.direct_cents),
          fig('region.' + prog + '.' + r.region.code + '.assisted_cents', r.assisted_cents),
          pct('region.' + prog + '.' + r.region.code + '.completion', r.completion))))));
      out.push(() => draw(id, {
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: data.items.map((r) => r.region.name), axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: 'value', name: '万元' },
        series: [{ type: 'bar', name: '认定金额（万元）', data: data.items.map((r) => r.credited_cents / 1000000), itemStyle: { color: '#0b5d3b' } }],
      }));
    }
    return out;
  }

  async function units(page) {
    page = page || 1;
    const data = await api('/stats/units?' + period() + '&page=' + page + '&page_size=50');
    const rows = data.items.map((u) => el('tr', {},
      el('td', { class: 'num', text: String(u.rank) }),
      el('td', { text: u.org.name }),
      el('td', { text: u.org.region ? u.org.region.name : '' }),
      el('td', { text: u.filing_status ? FILING[u.filing_status] || u.filing_status : '未报送' }),
      u.reserved_cents === null ? el('td', { class: 'num muted', text: '—' }) : fig('unit.' + u.org.id + '.reserved_cents', u.reserved_cents),
      fig('unit.' + u.org.id + '.subtree_purchases_cents', u.subtree_purchases_cents),
      fig('unit.' + u.org.id + '.subtree_certified_cents', u.subtree_certified_cents),
      fig('unit.' + u.org.id + '.subtree_credited_cents', u.subtree_credited_cents),
      pct('unit.' + u.org.id + '.completion', u.completion), meter(u.completion)));
    const pages = Math.max(1, Math.ceil(data.total / data.page_size));
    const pager = el('div', { class: 'pager noprint' },
      el('button', { type: 'button', disabled: page <= 1 ? 'disabled' : null, 'data-page': String(page - 1), text: '上一页' }),
      el('span', { text: '第 ' + page + ' / ' + pages + ' 页，共 ' + data.total + ' 个单位' }),
      el('button', { type: 'button', disabled: page >= pages ? 'disabled' : null, 'data-page': String(page + 1), text: '下一页' }));
    pager.addEventListener('click', (e) => { const p = e.target.getAttribute('data-page'); if (p) render('units', Number(p)); });
    const out = [card('单位排名（预留份额完成情况）', table(['名次#', '单位', '地区', '备案', '预留份额#', '采购#', '认定产品#', '计入结对#', '完成率#', '进度'], rows), pager)];
    if (state.me.role === 'org_admin' && state.me.org_id) {
      const own = await api('/stats/orgs/' + state.me.org_id + '/pairings?' + period());
      out.push(card(own.org.name + ' · 各结对采购', table(['结对', '本单位#', '含下级#'], own.items.map((r) => {
        const key = 'orgpairing.' + (r.pairing ? r.pairing.id : 'none');
        return el('tr', {}, el('td', { text: r.pairing ? pairingName(r.pairing) : '未计入结对' }),
          fig(key + '.cents', r.cents), fig(key + '.subtree_cents', r.subtree_cents));
      }))));
    }
    return out;
  }

  function facetCards(data, prefix, names) {
    const out = [];
    for (const name of names) {
      const rows = data.tables[name] || [];
      const id = prefix + '-' + name;
      out.push(card(TABLES[name] || name, chartBox(id), table(['名称', '销售额#', '计入结对#', '订单#'], rows.map((r) => el('tr', {},
        el('td', { text: r.name || r.code || '—' }),
        fig(prefix + '.' + name + '.' + r.code + '.sales_cents', r.sales_cents),
        fig(prefix + '.' + name + '.' + r.code + '.credited_cents', r.credited_cents),
        el('td', { class: 'num', text: String(r.orders) }))))));
      out.push(() => draw(id, {
        tooltip: { trigger: 'item' },
        series: [{ type: 'pie', radius: ['35%', '65%'], data: rows.map((r) => ({ name: r.name || r.code || '—', value: r.sales_cents / 1000000 })) }],
      }));
    }
    return out;
  }

  async function origins() {
    const data = await api('/stats/origins?' + period() + programmeParam());
    return facetCards(data, 'origins', ['origin', 'category', 'supplier']);
  }

  async function channels() {
    const data = await api('/stats/channels?' + period() + programmeParam());
    return facetCards(data, 'channels', ['channel', 'platform', 'point_type', 'sector']);
  }

  // The monthly bulletin (月度通报) of the chosen month (the previous month
  // when the filter says 全年): as issued once an admin has issued it, with
  // the changes since beside it. It prints on A4 (the page's print style).
  function bulletinMonth() {
    const y = Number(document.getElementById('year').value);
    const m = document.getElementById('month').value;
    if (m) return [y, Number(m)];
    const now = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric' }).formatToParts(new Date());
    const cy = Number(now.find((p) => p.type === 'year').value);
    const cm = Number(now.find((p) => p.type === 'month').value);
    if (y < cy) return [y, 12];
    return cm === 1 ? [y - 1, 12] : [y, cm - 1];
  }

  function change(key, c) {
    if (!c) return el('td', { class: 'num muted', text: '' });
    return fig(key, c.ytd_cents);
  }

  async function bulletin() {
    const [y, m] = bulletinMonth();
    const data = await api('/stats/bulletin?year=' + y + '&month=' + m + programmeParam());
    const issued = data.status === 'issued';
    const out = [el('section', { class: 'card' },
      el('h2', { text: y + ' 年 ' + m + ' 月 消费帮扶工作月度通报' }),
      el('p', { class: 'muted', text: issued ? '已于 ' + data.issued_at.slice(0, 10) + ' 发布；“发布后变化”一栏为发布以来台账的变动。' : '尚未发布：以下为按当前台账计算的草稿。' }),
      el('button', { type: 'button', class: 'noprint', id: 'print', text: '打印（A4）' }))];
    for (const p of data.programmes) {
      const k = 'bulletin.' + p.programme + '.';
      out.push(card(PROGRAMMES[p.programme] + ' · 区县', table(['名次#', '区县', '当月#', '当月名次#', '年度累计#', '目标#', '完成率#'].concat(issued ? ['发布后变化#'] : []),
        p.districts.map((d) => el('tr', {},
          el('td', { class: 'num', text: String(d.rank) }),
          el('td', { text: d.region.name }),
          fig(k + d.region.code + '.month_cents', d.month_cents),
          el('td', { class: 'num', text: String(d.month_rank) }),
          fig(k + d.region.code + '.ytd_cents', d.ytd_cents),
          d.target_cents === null ? el('td', { class: 'num muted', text: '—' }) : fig(k + d.region.code + '.target_cents', d.target_cents),
          pct(k + d.region.code + '.completion', d.completion),
          issued ? change(k + d.region.code + '.changed_ytd_cents', d.changed_since_issue) : null))),
      p.movers.length ? el('p', { text: '进步最大：' + p.movers.map((d) => d.region.name + '（+' + percent(d.completion_change) + '）').join('、') }) : null));
    }
    const u = data.units;
    out.push(card('单位 · 预留份额完成情况', table(['名次#', '单位', '备案', '预留份额#', '当月#', '年度累计#', '完成率#'].concat(issued ? ['发布后变化#'] : []),
      u.items.map((r) => el('tr', {},
        el('td', { class: 'num', text: String(r.rank) }),
        el('td', { text: r.org.name }),
        el('td', { text: r.filing_status ? FILING[r.filing_status] || r.filing_status : '未报送' }),
        r.reserved_cents === null ? el('td', { class: 'num muted', text: '—' }) : fig('bulletin.unit.' + r.org.id + '.reserved_cents', r.reserved_cents),
        fig('bulletin.unit.' + r.org.id + '.month_cents', r.month_cents),
        fig('bulletin.unit.' + r.org.id + '.ytd_cents', r.ytd_cents),
        pct('bulletin.unit.' + r.org.id + '.completion', r.completion),
        issued ? change('bulletin.unit.' + r.org.id + '.changed_ytd_cents', r.changed_since_issue) : null))),
      u.movers.length ? el('p', { text: '进步最大：' + u.movers.map((r) => r.org.name + '（+' + percent(r.completion_change) + '）').join('、') }) : null));
    out.push(() => document.getElementById('print').addEventListener('click', () => window.print()));
    return out;
  }

  const KINDS = { direct_purchase: '直接采购', assisted_sale: '帮助销售' };
  const PLATFORMS = { '832': '832平台', zcy: '政采云', offline: '线下', other: '其他' };

  // Off-platform records waiting for this official's verification: the
  // submitted records of orgs in their scope (the API decides the scope).
  async function records(page) {
    page = page || 1;
    const data = await api('/sales-records?status=submitted&page=' + page + '&page_size=50');
    const rows = data.items.map((r) => el('tr', {},
      el('td', { class: 'num', text: String(r.id) }),
      el('td', { text: r.date }),
      el('td', { class: 'num', text: String(r.org_id) }),
      el('td', { text: r.producer.name }),
      el('td', { text: KINDS[r.kind] || r.kind }),
      el('td', { text: PLATFORMS[r.platform] || r.platform }),
      fig('record.' + r.id + '.total_cents', r.total_cents)));
    const pages = Math.max(1, Math.ceil(data.total / data.page_size));
    const pager = el('div', { class: 'pager noprint' },
      el('button', { type: 'button', disabled: page <= 1 ? 'disabled' : null, 'data-page': String(page - 1), text: '上一页' }),
      el('span', { text: '第 ' + page + ' / ' + pages + ' 页，共 ' + data.total + ' 条待核实' }),
      el('button', { type: 'button', disabled: page >= pages ? 'disabled' : null, 'data-page': String(page + 1), text: '下一页' }));
    pager.addEventListener('click', (e) => { const p = e.target.getAttribute('data-page'); if (p) render('records', Number(p)); });
    return [card('待核实的线下帮扶台账', data.items.length ? table(['编号#', '交易日期', '单位编号#', '生产者', '类型', '平台', '金额#'], rows)
      : el('p', { class: 'muted', text: '没有等待您核实的台账。' }), pager)];
  }

  const JOB_KINDS = { records: '线下台账', register: '认定目录' };
  const JOB_STATUS = { uploaded: '已上传', validating: '校验中', preview: '待确认', committing: '导入中', done: '已完成', failed: '失败' };

  // The viewer's import jobs (an admin sees all), with a progress bar each.
  async function imports() {
    const data = await api('/imports?page=1&page_size=50');
    const rows = data.items.map((j) => {
      const total = j.progress.total || 0;
      const done = j.progress.done || 0;
      const f = total > 0 ? done / total : null;
      return el('tr', {},
        el('td', { class: 'num', text: String(j.id) }),
        el('td', { text: JOB_KINDS[j.kind] || j.kind }),
        el('td', { text: j.file_name }),
        el('td', { text: JOB_STATUS[j.status] || j.status }),
        el('td', { class: 'num', text: done + ' / ' + total }),
        meter(f),
        j.totals ? fig('import.' + j.id + '.cents', j.totals.cents) : el('td', { class: 'num muted', text: '—' }));
    });
    return [card('导入任务', data.items.length ? table(['编号#', '类型', '文件', '状态', '行数#', '进度', '金额#'], rows)
      : el('p', { class: 'muted', text: '还没有导入任务。' }))];
  }

  const VIEWS = [
    { id: 'overview', name: '概览', roles: ['admin', 'officer'], fn: overview },
    { id: 'pairings', name: '结对', roles: ['admin', 'officer'], fn: pairings },
    { id: 'regions', name: '区县排名', roles: ['admin', 'officer'], fn: regions },
    { id: 'units', name: '单位排名', roles: ['admin', 'officer', 'org_admin'], fn: units },
    { id: 'origins', name: '产地与生产者', roles: ['admin', 'officer'], fn: origins },
    { id: 'channels', name: '渠道与领域', roles: ['admin', 'officer'], fn: channels },
    { id: 'bulletin', name: '月度通报', roles: ['admin', 'officer'], fn: bulletin },
    { id: 'records', name: '待核实台账', roles: ['admin', 'officer'], fn: records },
    { id: 'imports', name: '导入任务', roles: ['admin', 'officer', 'org_admin'], fn: imports },
  ];

  function viewsFor(me) { return VIEWS.filter((v) => v.roles.includes(me.role)); }

  async function render(id, arg) {
    const views = viewsFor(state.me);
    const v = views.find((x) => x.id === id) || views[0];
    for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('on', a.getAttribute('href') === '#' + v.id);
    state.charts.forEach((c) => c.dispose());
    state.charts = [];
    view.setAttribute('data-view', v.id);
    view.setAttribute('data-ready', 'false');
    view.replaceChildren(el('p', { class: 'card muted', text: '加载中…' }));
    try {
      const parts = await v.fn(arg);
      view.replaceChildren(...parts.filter((p) => p instanceof Node));
      parts.filter((p) => typeof p === 'function').forEach((f) => f());
    } catch (e) {
      if (e.status === 401) return;
      if (e.status === 403) { // not in this caller's review: drop the tab
        const tab = document.querySelector('#tabs a[href="#' + v.id + '"]');
        if (tab) tab.remove();
      }
      view.replaceChildren(card(v.name, el('p', { class: e.status === 403 ? 'muted' : 'error',
        text: e.status === 403 ? '您的账号无权查看此视图。' : '加载失败：' + e.message })));
    }
    view.setAttribute('data-ready', 'true');
  }

  function current() { return (location.hash || '#').slice(1); }

  async function start() {
    try {
      state.me = await api('/me');
    } catch (e) {
      if (e.status !== 401) signOut();
      return;
    }
    if (!['admin', 'officer', 'org_admin'].includes(state.me.role)) { signOut(); return; }
    document.getElementById('login').hidden = true;
    document.getElementById('app').hidden = false;
    document.getElementById('logout').hidden = false;
    document.getElementById('who').textContent = state.me.username;
    const tabs = document.getElementById('tabs');
    tabs.replaceChildren(...viewsFor(state.me).map((v) => el('a', { href: '#' + v.id, text: v.name })));
    render(current());
  }

  function setupFilters() {
    // The China year: the review's calendar, whatever the browser's zone.
    const chinaYear = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
    const year = document.getElementById('year');
    for (let y = chinaYear; y >= 2021; y--) year.append(el('option', { value: String(y), text: y + ' 年' }));
    const month = document.getElementById('month');
    for (let m = 1; m <= 12; m++) month.append(el('option', { value: String(m), text: m + ' 月' }));
    for (const id of ['year', 'month', 'programme']) document.getElementById(id).addEventListener('change', () => render(current()));
  }

  document.getElementById('login-form').addEventListener('submit', signIn);
  document.getElementById('logout').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => { if (state.me) render(current()); });
  setupFilters();
  if (state.token) start(); else signOut();
}());
