-- handout.lua — pandoc filter for shmlab's handouts (scripts/render-handouts.sh).
--
--  * The title is the handout's first "# " heading (taken out of the body), or
--    the lab's "@title" from its points file.
--  * A section "Tests and points" (测试与分值 in Chinese) is generated from
--    labs/NN-slug/points: every public test with its points (and its group,
--    when the points file has "# Core:"-style group comments), the public
--    total, and the hidden tests of grader/hidden/NN-slug/points as a count and
--    a total only: their names are never shown.  It goes where the handout has
--    a line "<!-- points -->", else at the end of the section whose heading
--    names the grader ("What the grader checks", "评分…"), else of one about
--    testing, else at the end.
--  * A picture whose file does not exist becomes a dashed box naming it, and a
--    warning (pandoc --self-contained would otherwise fail on it).
--  * A public test that the handout never names is reported as a warning.
--
-- Metadata it reads (render-handouts.sh sets them with -M): shmlab-lab
-- (04-race), shmlab-dir (the handout's folder), lang (en, zh-CN).

local stringify = pandoc.utils.stringify

local TEXT = {
  en = {
    heading = 'Tests and points',
    intro = 'Generated from `%s`: the list the grader itself uses.',
    test = 'test', group = 'group', points = 'points',
    public_total = '**public: %d tests**',
    hidden = 'The grader also runs **%d hidden tests worth %s points**; their names are not published.',
    no_hidden = 'No hidden tests are listed in this kit.',
    total = 'The lab is worth **%s points** in all. Time limit: %s s per test (longer under valgrind).',
    total_no_timeout = 'The lab is worth **%s points** in all.',
    missing_points = 'This lab has no points file (`%s`) yet.',
    missing_figure = 'figure not built yet: %s',
  },
  ['zh-CN'] = {
    heading = '测试与分值',
    intro = '下表由 `%s` 自动生成，与评分程序使用的列表完全一致。',
    test = '测试', group = '分组', points = '分值',
    public_total = '**公开测试：共 %d 个**',
    hidden = '评分程序另外运行 **%d 个隐藏测试，共 %s 分**，其名称不公开。',
    no_hidden = '本套材料中没有列出隐藏测试。',
    total = '本实验满分 **%s 分**。每个测试的时间限制为 %s 秒（在 valgrind 下会相应放宽）。',
    total_no_timeout = '本实验满分 **%s 分**。',
    missing_points = '本实验尚无分值文件（`%s`）。',
    missing_figure = '图尚未生成：%s',
  },
}

local function warn(msg)
  io.stderr:write('render-handouts: ' .. msg .. '\n')
end

local function exists(path)
  local f = io.open(path, 'r')
  if f then f:close() return true end
  return false
end

local function fmt_num(x)
  if x == math.floor(x) then return string.format('%d', x) end
  return tostring(x)
end

-- Read a points file: { title=, timeout=, tests = { {name=, points=, group=} } }, or nil.
local function read_points(path)
  local f = io.open(path, 'r')
  if not f then return nil end
  local r = { tests = {} }
  local group = nil
  for line in f:lines() do
    local g = line:match('^%s*#%s*(%a+):')
    if g then group = g end
    local body = line:gsub('#.*$', ''):gsub('\r', '')
    body = body:match('^%s*(.-)%s*$')
    if body ~= '' then
      local title = body:match('^@title%s+(.+)$')
      local timeout = body:match('^@timeout%s+(%S+)')
      if title then
        r.title = title
      elseif timeout then
        r.timeout = timeout
      else
        -- name, points and (optionally) the handout section it exercises
        local name, pts, section = body:match('^([^@%s]%S*)%s+([%d%.]+)%s*(%S*)$')
        if name then
          table.insert(r.tests, { name = name, points = tonumber(pts), group = group,
                                  section = section ~= '' and section or nil })
        end
      end
    end
  end
  f:close()
  return r
end

local function points_markdown(lab, text, level)
  local path = 'labs/' .. lab .. '/points'
  local pub = read_points(path)
  local out = {}
  local function add(s) table.insert(out, s) end
  add(string.rep('#', level) .. ' ' .. text.heading .. ' {#tests-and-points}')
  add('')
  if not pub then
    add(string.format(text.missing_points, path))
    return table.concat(out, '\n'), nil
  end
  add(string.format(text.intro, path))
  add('')
  local grouped = false
  for _, t in ipairs(pub.tests) do if t.group then grouped = true end end
  local sum = 0
  if grouped then
    add('| ' .. text.test .. ' | ' .. text.group .. ' | ' .. text.points .. ' |')
    add('|:---|:---|---:|')
  else
    add('| ' .. text.test .. ' | ' .. text.points .. ' |')
    add('|:---|---:|')
  end
  for _, t in ipairs(pub.tests) do
    sum = sum + t.points
    -- the test's name links to the section it exercises (its hint)
    local name = '`' .. t.name .. '`'
    if t.section then name = '[' .. name .. '](#' .. t.section .. ')' end
    if grouped then
      add(string.format('| %s | %s | %s |', name, t.group or '', fmt_num(t.points)))
    else
      add(string.format('| %s | %s |', name, fmt_num(t.points)))
    end
  end
  local total_row = string.format(text.public_total, #pub.tests)
  if grouped then
    add(string.format('| %s | | **%s** |', total_row, fmt_num(sum)))
  else
    add(string.format('| %s | **%s** |', total_row, fmt_num(sum)))
  end
  add('')
  local hidden = read_points('grader/hidden/' .. lab .. '/points')
  local total = sum
  if hidden then
    local hsum = 0
    for _, t in ipairs(hidden.tests) do hsum = hsum + t.points end
    total = total + hsum
    add(string.format(text.hidden, #hidden.tests, fmt_num(hsum)))
  else
    add(text.no_hidden)
  end
  add('')
  if pub.timeout then
    add(string.format(text.total, fmt_num(total), pub.timeout))
  else
    add(string.format(text.total_no_timeout, fmt_num(total)))
  end
  return table.concat(out, '\n'), pub
end

-- Index of the first top-level header (after `from`) whose text matches one of the patterns.
local function find_header(blocks, patterns)
  for _, pat in ipairs(patterns) do
    for i, b in ipairs(blocks) do
      if b.t == 'Header' and b.level >= 2 and stringify(b):lower():find(pat) then
        return i
      end
    end
  end
  return nil
end

function Pandoc(doc)
  local meta = doc.meta
  local lab = meta['shmlab-lab'] and stringify(meta['shmlab-lab']) or nil
  local dir = meta['shmlab-dir'] and stringify(meta['shmlab-dir']) or '.'
  local lang = meta.lang and stringify(meta.lang) or 'en'
  local text = TEXT[lang] or TEXT.en
  local blocks = doc.blocks

  -- The title: front matter, else the first "# " heading, else the points file's @title.
  if not meta.title then
    for i, b in ipairs(blocks) do
      if b.t == 'Header' and b.level == 1 then
        meta.title = pandoc.MetaInlines(b.content)
        blocks:remove(i)
        break
      end
    end
  end

  -- Pictures: keep those that exist (beside the handout or from the top of the kit).
  blocks = pandoc.List(pandoc.walk_block(pandoc.Div(blocks), {
    Image = function(img)
      local src = img.src
      if src:match('^%a[%w+.-]*:') then return nil end
      if exists(dir .. '/' .. src) then img.src = dir .. '/' .. src return img end
      if exists(src) then return img end
      warn(string.format('%s: picture %s not found; showing a placeholder', dir, src))
      return pandoc.Span({ pandoc.Str(string.format(text.missing_figure, src)) },
                         pandoc.Attr('', { 'missing-figure' }))
    end,
  }).content)

  -- The generated tests-and-points section.
  if lab then
    local at = nil
    for i, b in ipairs(blocks) do
      if b.t == 'RawBlock' and b.format == 'html' and b.text:match('^<!%-%-%s*points%s*%-%->$') then
        at = i
        blocks:remove(i)
        break
      end
    end
    local level = 3
    if not at then
      local h = find_header(blocks, { 'grader', '评分', 'test', '测试' })
      if h then
        level = math.min(blocks[h].level + 1, 6)
        at = #blocks + 1
        for j = h + 1, #blocks do
          if blocks[j].t == 'Header' and blocks[j].level <= blocks[h].level then
            at = j
            break
          end
        end
      else
        level = 2
        at = #blocks + 1
      end
    end
    local md, pub = points_markdown(lab, text, level)
    local generated = pandoc.read(md, 'markdown').blocks
    for k = #generated, 1, -1 do blocks:insert(at, generated[k]) end

    if pub then
      if not meta.title and pub.title then meta.title = pandoc.MetaInlines({ pandoc.Str(pub.title) }) end
      -- Every public test should be named somewhere in the handout's own text.
      local named = {}
      pandoc.walk_block(pandoc.Div(doc.blocks), {
        Code = function(c) named[c.text] = true end,
        CodeBlock = function(c) for w in c.text:gmatch('[%w_]+') do named[w] = true end end,
      })
      local unnamed = {}
      for _, t in ipairs(pub.tests) do
        if not named[t.name] then table.insert(unnamed, t.name) end
      end
      if #unnamed > 0 then
        warn(string.format('%s/%s.md never names public test(s): %s', dir, lab, table.concat(unnamed, ', ')))
      end
    end
  end

  if not meta.title then meta.title = pandoc.MetaInlines({ pandoc.Str(lab or 'shmlab') }) end
  meta.pagetitle = pandoc.MetaString(stringify(meta.title))
  return pandoc.Pandoc(blocks, meta)
end
