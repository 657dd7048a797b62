-- An outbox row's content says which renderer the delivery engine asks for the message (an
-- enum and a reference), instead of a string the engine had to take apart by its prefixes.
UPDATE announcements SET content = json_remove(json_set(content,
    '$.render', CASE
        WHEN json_extract(content, '$.buttons') = 'vks' THEN 'vks_post'
        WHEN json_extract(content, '$.buttons') LIKE 'material:%' THEN 'material_link'
        WHEN json_extract(content, '$.buttons') LIKE 'pdhold:%' THEN 'pd_hold'
        WHEN json_extract(content, '$.buttons') LIKE 'request:%' THEN 'request_card'
        WHEN json_extract(content, '$.buttons') LIKE 'reqfix:%' THEN 'request_fix'
        WHEN json_extract(content, '$.buttons') LIKE 'digest:%' THEN 'digest'
        ELSE 'plain' END,
    '$.ref', CASE
        WHEN instr(json_extract(content, '$.buttons'), ':') > 0
        THEN substr(json_extract(content, '$.buttons'),
                    instr(json_extract(content, '$.buttons'), ':') + 1)
        ELSE '' END), '$.buttons')
WHERE json_extract(content, '$.buttons') IS NOT NULL;
