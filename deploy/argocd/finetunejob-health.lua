-- Argo CD resource health of a FineTuneJob (finetune.dev/v1alpha1), from status.phase:
--   no status yet, Pending, Running -> Progressing
--   Succeeded -> Healthy; Failed -> Degraded (with the Failed condition's message)
--   Suspended -> Suspended; anything else -> Unknown
-- The operator sets observedGeneration; a status older than the spec is still Progressing.
-- This agrees with the kstatus conditions the operator also writes (Flux, kubectl wait):
--   Healthy = Ready=True (Current); Degraded = Stalled=True (Failed), whose message is the
--   Failed condition's; Progressing and Suspended = InProgress (Suspended: Reconciling=False).
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
local phase = status.phase
if status.observedGeneration ~= nil and obj.metadata ~= nil and obj.metadata.generation ~= nil
    and status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(obj.metadata.generation)
  return hs
end

if phase == "Pending" or phase == "Running" then
  hs.status = "Progressing"
  hs.message = phase
  if status.progress ~= nil and status.progress.epoch ~= nil then
    hs.message = phase .. ": epoch " .. tostring(status.progress.epoch)
    if status.progress.totalEpochs ~= nil then
      hs.message = hs.message .. " of " .. tostring(status.progress.totalEpochs)
    end
  end
elseif phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = "Succeeded"
elseif phase == "Failed" then
  hs.status = "Degraded"
  local failed = condition(status, "Failed")
  if failed ~= nil and failed.message ~= nil and failed.message ~= "" then
    hs.message = failed.message
  else
    hs.message = "Failed"
  end
elseif phase == "Suspended" then
  hs.status = "Suspended"
  hs.message = "Suspended (spec.suspend: true)"
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. tostring(phase)
end
return hs
