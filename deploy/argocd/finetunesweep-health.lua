-- Argo CD resource health of a FineTuneSweep (finetune.dev/v1alpha1), from the kstatus
-- conditions the operator writes (the same verdict as status.phase):
--   no status yet, or a status older than the spec -> Progressing
--   Stalled=True (Failed, or ObjectiveUnavailable) -> Degraded, with the condition's message
--   Ready=True (Succeeded) -> Healthy
--   phase Suspended (spec.suspend: true; its trials suspended) -> Suspended, with the trial counts
--   otherwise (trials pending or running) -> Progressing, with the trial counts
local hs = {}

local function condition(status, type)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end

local status = obj.status
if status.observedGeneration ~= nil and obj.metadata ~= nil and obj.metadata.generation ~= nil
    and status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(obj.metadata.generation)
  return hs
end

local stalled = condition(status, "Stalled")
local ready = condition(status, "Ready")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  if stalled.message ~= nil and stalled.message ~= "" then
    hs.message = stalled.message
  else
    hs.message = tostring(stalled.reason)
  end
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = "Succeeded"
else
  if status.phase == "Suspended" then
    hs.status = "Suspended"
  else
    hs.status = "Progressing"
  end
  hs.message = tostring(status.phase)
  local c = status.counts
  if c ~= nil and c.total ~= nil then
    hs.message = hs.message .. ": " .. tostring(c.total) .. " trials, "
        .. tostring(c.succeeded or 0) .. " succeeded, " .. tostring(c.failed or 0) .. " failed"
  end
end
return hs
